import {
  type DatabaseIntrospector,
  type DatabaseMetadata,
  type DatabaseMetadataOptions,
  DEFAULT_MIGRATION_LOCK_TABLE,
  DEFAULT_MIGRATION_TABLE,
  type Kysely,
  type SchemaMetadata,
  type SelectQueryBuilder,
  sql,
  type TableMetadata,
} from 'kysely'

interface MasterRow {
  name: string
  type: string
  sql: string | null
}

interface ColumnRow {
  table: string
  name: string
  type: string
  notnull: number
  dflt_value: unknown
  pk: number
}

/**
 * Reads tables and columns as Kysely's SQLite introspector does, with the same metadata, minus D1's
 * internal `_cf_*` tables:
 * they are listed in `sqlite_master`, but D1 refuses to read their columns (`SQLITE_AUTH`), which
 * would fail every `db.introspection` call and Kysely's `Migrator`.
 */
export class D1Introspector implements DatabaseIntrospector {
  readonly #db: Kysely<any>

  /** @param db - the Kysely instance to introspect through */
  constructor(db: Kysely<any>) {
    this.#db = db.withoutPlugins()
  }

  /** SQLite has no schemas. */
  async getSchemas(): Promise<SchemaMetadata[]> {
    return []
  }

  async getTables(options: DatabaseMetadataOptions = { withInternalKyselyTables: false }): Promise<TableMetadata[]> {
    const listed = <O>(query: SelectQueryBuilder<any, 'sqlite_master', O>) => {
      const visible = query
        .where('sqlite_master.type', 'in', ['table', 'view'])
        .where('sqlite_master.name', 'not like', 'sqlite_%')
        .where(sql`lower(substr(sqlite_master.name, 1, 4))`, '!=', '_cf_')
      return options.withInternalKyselyTables
        ? visible
        : visible.where('sqlite_master.name', 'not in', [DEFAULT_MIGRATION_TABLE, DEFAULT_MIGRATION_LOCK_TABLE])
    }
    const tables: MasterRow[] = await listed(this.#db.selectFrom('sqlite_master').select(['name', 'type', 'sql']))
      .orderBy('name')
      .execute()
    const columns: ColumnRow[] = await listed(
      this.#db
        .selectFrom(['sqlite_master', sql`pragma_table_info(sqlite_master.name)`.as('column')])
        .select([
          'sqlite_master.name as table',
          'column.name',
          'column.type',
          'column.notnull',
          'column.dflt_value',
          'column.pk',
        ]),
    )
      .orderBy('sqlite_master.name')
      .orderBy('column.cid')
      .execute()
    return tables.map((table) => {
      const own = columns.filter((column) => column.table === table.name)
      const autoIncrementing = autoIncrementingColumn(table, own)
      return {
        name: table.name,
        isView: table.type === 'view',
        columns: own.map((column) => ({
          name: column.name,
          dataType: column.type,
          isNullable: column.notnull === 0,
          isAutoIncrementing: column.name === autoIncrementing,
          hasDefaultValue: column.dflt_value !== null,
          comment: undefined,
        })),
      }
    })
  }

  async getMetadata(options?: DatabaseMetadataOptions): Promise<DatabaseMetadata> {
    return { tables: await this.getTables(options) }
  }
}

/**
 * The column that numbers new rows by itself, found as Kysely's SQLite introspector finds it: the
 * first word of the part of the table's definition that says `autoincrement`, or else a lone
 * `INTEGER PRIMARY KEY` (SQLite's rowid).
 */
function autoIncrementingColumn(table: MasterRow, columns: readonly ColumnRow[]): string | undefined {
  const declared = table.sql
    ?.split(/[(),]/)
    .find((part) => part.toLowerCase().includes('autoincrement'))
    ?.trimStart()
    .split(/\s+/)[0]
    ?.replace(/["`]/g, '')
  if (declared) return declared
  const primaryKey = columns.filter((column) => column.pk > 0)
  return primaryKey.length === 1 && primaryKey[0]?.type.toLowerCase() === 'integer' ? primaryKey[0].name : undefined
}
