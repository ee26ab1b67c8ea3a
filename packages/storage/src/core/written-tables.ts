import {
  type CompiledQuery,
  CreateIndexNode,
  CreateTableNode,
  CreateViewNode,
  DeleteQueryNode,
  DropIndexNode,
  DropTableNode,
  DropViewNode,
  InsertQueryNode,
  MergeQueryNode,
  type OperationNode,
  RawNode,
  SelectQueryNode,
  UpdateQueryNode,
  AlterTableNode,
  TableNode,
  AliasNode,
  type SchemableIdentifierNode,
} from 'kysely'

/**
 * The tables a query writes, or an empty list for a read. Builder queries are read from their
 * operation tree; raw SQL (`sql\`...\``, `CompiledQuery.raw`) from its text.
 */
export function writtenTables(query: CompiledQuery): string[] {
  const node = query.query
  if (node === undefined || RawNode.is(node)) return tablesInSql(query.sql)
  if (SelectQueryNode.is(node)) return []
  return tablesOfNode(node)
}

function tablesOfNode(node: OperationNode): string[] {
  if (InsertQueryNode.is(node)) return node.into ? [tableName(node.into)] : []
  if (UpdateQueryNode.is(node)) return node.table ? [tableName(node.table)] : []
  if (DeleteQueryNode.is(node)) return node.from.froms.map(tableName)
  if (MergeQueryNode.is(node)) return [tableName(node.into)]
  if (CreateTableNode.is(node) || DropTableNode.is(node) || AlterTableNode.is(node)) return [tableName(node.table)]
  if (CreateIndexNode.is(node)) return node.table ? [tableName(node.table)] : []
  if (CreateViewNode.is(node) || DropViewNode.is(node)) return [schemable(node.name)]
  if (DropIndexNode.is(node)) return []
  return []
}

function tableName(node: OperationNode): string {
  if (TableNode.is(node)) return schemable(node.table)
  if (AliasNode.is(node)) return tableName(node.node)
  return ''
}

function schemable(node: SchemableIdentifierNode): string {
  return node.identifier.name
}

const WRITE_STATEMENT =
  /\b(?:insert\s+(?:or\s+\w+\s+)?into|replace\s+into|(?<!\bdo\s)update(?:\s+or\s+\w+)?|delete\s+from|(?:create|drop|alter)\s+(?:temp(?:orary)?\s+)?(?:table|view)(?:\s+if\s+(?:not\s+)?exists)?)\s+((?:"(?:[^"]|"")+"|`[^`]+`|\[[^\]]+\]|[\w$]+)(?:\s*\.\s*(?:"(?:[^"]|"")+"|`[^`]+`|\[[^\]]+\]|[\w$]+))?)/gi

function tablesInSql(sql: string): string[] {
  const tables: string[] = []
  for (const match of sql.matchAll(WRITE_STATEMENT)) {
    const qualified = match[1] ?? ''
    const last = qualified.split(/\s*\.\s*(?=["`[\w$])/).pop() ?? qualified
    tables.push(unquote(last))
  }
  return tables
}

function unquote(identifier: string): string {
  const first = identifier[0]
  if (first === '"') return identifier.slice(1, -1).replaceAll('""', '"')
  if (first === '`' || first === '[') return identifier.slice(1, -1)
  return identifier
}
