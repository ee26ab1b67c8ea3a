import type { OperationNode } from 'kysely'

/**
 * The tables a query reads, from its operation tree: every table named in `from`, joins,
 * subqueries, `exists`, unions and common table expressions, minus the names the query's own
 * CTEs define. `undefined` when the query cannot be read precisely: raw SQL that selects
 * (`sql\`select ...\``, or a fragment with `from`/`join` inside a builder query), whose tables
 * only a SQL parser could find.
 */
export function readTables(node: OperationNode | undefined): Set<string> | undefined {
  if (node === undefined) return undefined
  const named = new Set<string>()
  const cteNames = new Set<string>()
  let opaque = false
  const visit = (value: unknown): void => {
    if (opaque || value === null || typeof value !== 'object') return
    if (Array.isArray(value)) {
      for (const item of value) visit(item)
      return
    }
    const current = value as { kind?: unknown } & Record<string, unknown>
    if (current.kind === 'TableNode') {
      const identifier = (current.table as { identifier?: { name?: unknown } } | undefined)?.identifier
      if (typeof identifier?.name === 'string') named.add(identifier.name)
      return
    }
    if (current.kind === 'CommonTableExpressionNameNode') {
      const table = current.table as { table?: { identifier?: { name?: unknown } } } | undefined
      const name = table?.table?.identifier?.name
      if (typeof name === 'string') cteNames.add(name)
      return
    }
    if (current.kind === 'RawNode' && readsInRawSql(current.sqlFragments)) {
      opaque = true
      return
    }
    for (const key of Object.keys(current)) if (key !== 'kind') visit(current[key])
  }
  visit(node)
  if (opaque) return undefined
  for (const name of cteNames) named.delete(name)
  return named
}

const READING_KEYWORD = /\b(?:select|from|join|with)\b/i

function readsInRawSql(fragments: unknown): boolean {
  return Array.isArray(fragments) && fragments.some((fragment) => READING_KEYWORD.test(String(fragment)))
}
