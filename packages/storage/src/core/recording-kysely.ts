import {
  type CompiledQuery,
  type DatabaseConnection,
  type Driver,
  Kysely,
  type QueryResult,
  RawNode,
  SelectQueryNode,
} from 'kysely'
import { sqliteDialect } from './sqlite-dialect.js'
import { writtenTables } from './written-tables.js'

/** A statement that reads was run on a {@link recordingKysely}, which can only record writes. */
export class ReadWhileRecordingError extends Error {
  /** @param sql - the reading statement */
  constructor(readonly sql: string) {
    super(`read while recording: ${sql}`)
    this.name = 'ReadWhileRecordingError'
  }
}

/**
 * A Kysely that executes nothing: every write it is given is compiled and appended to
 * `statements`, answered with an empty result, so that code written for `Kysely` (a migration, a
 * sync mutator) can be turned into one atomic batch where transactions cannot stay open (D1).
 * A statement that reads throws {@link ReadWhileRecordingError}: its answer would be made up.
 *
 * @param statements - where the recorded writes go, in order
 */
export function recordingKysely(statements: CompiledQuery[]): Kysely<any> {
  const connection: DatabaseConnection = {
    async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
      if (isRead(query)) throw new ReadWhileRecordingError(query.sql)
      statements.push(query)
      return { rows: [] }
    },
    streamQuery() {
      throw new ReadWhileRecordingError('stream')
    },
  }
  const driver: Driver = {
    init: async () => {},
    acquireConnection: async () => connection,
    beginTransaction: async () => {},
    commitTransaction: async () => {},
    rollbackTransaction: async () => {},
    releaseConnection: async () => {},
    destroy: async () => {},
  }
  return new Kysely<any>({ dialect: sqliteDialect({ driver }) })
}

function isRead(query: CompiledQuery): boolean {
  if (SelectQueryNode.is(query.query)) return true
  if (!RawNode.is(query.query)) return false
  return (
    /^\s*(?:select|pragma|explain|values)\b/i.test(query.sql) ||
    (/^\s*with\b/i.test(query.sql) && writtenTables(query).length === 0)
  )
}
