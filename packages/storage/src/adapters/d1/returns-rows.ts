import { type CompiledQuery, DeleteQueryNode, InsertQueryNode, RawNode, SelectQueryNode, UpdateQueryNode } from 'kysely'

/**
 * Whether a statement returns rows (has result columns, what better-sqlite3 calls a reader), which
 * decides the shape of its result as Kysely's SQLite driver gives it. D1 answers every statement
 * alike, so this is read from the query: from its operation tree, or for raw SQL from its text.
 */
export function returnsRows(query: CompiledQuery): boolean {
  const node = query.query
  if (node === undefined || RawNode.is(node)) return sqlReturnsRows(query.sql)
  if (SelectQueryNode.is(node)) return true
  if (InsertQueryNode.is(node) || UpdateQueryNode.is(node) || DeleteQueryNode.is(node)) {
    return node.returning !== undefined
  }
  return false
}

/** String literals, quoted identifiers and comments, whose words are not SQL keywords. */
const QUOTED_OR_COMMENT = /'(?:[^']|'')*'|"(?:[^"]|"")*"|`[^`]*`|\[[^\]]*\]|--[^\n]*|\/\*[\s\S]*?(?:\*\/|$)/g

function sqlReturnsRows(sql: string): boolean {
  const text = sql.replace(QUOTED_OR_COMMENT, ' ')
  if (/\breturning\b/i.test(text)) return true
  const keyword = /^\s*([a-z]+)/i.exec(text)?.[1]?.toLowerCase()
  switch (keyword) {
    case 'select':
    case 'values':
    case 'explain':
      return true
    // `pragma name` and `pragma name(argument)` read; `pragma name = value` mostly sets.
    case 'pragma':
      return !text.includes('=')
    // A common table expression ahead of a select, or ahead of a write without `returning`.
    case 'with':
      return !/\b(?:insert|update|delete|replace)\b/i.test(text)
    default:
      return false
  }
}
