import {
  BinaryOperationNode,
  type Compilable,
  type CompiledQuery,
  DeleteQueryNode,
  DeleteResult,
  type Expression,
  InsertQueryNode,
  InsertResult,
  type OperationNode,
  OperationNodeTransformer,
  OperatorNode,
  PrimitiveValueListNode,
  type QueryId,
  type QueryResult,
  UpdateQueryNode,
  UpdateResult,
  ValueListNode,
  ValueNode,
  ValuesNode,
} from 'kysely'
import { StorageError } from './errors.js'

/**
 * A named value left open in a prepared query, bound at each `execute`. It is an `Expression<T>`,
 * so Kysely checks it wherever it goes: compared with a column of another type, or inserted into
 * one, it is a type error.
 *
 * @template T - the type of the value it stands for
 */
export class Placeholder<T> implements Expression<T> {
  /** The key of the value in the object passed to `execute`. */
  readonly name: string

  /** @param name - the key of the value in the object passed to `execute` */
  constructor(name: string) {
    this.name = name
  }

  /** Carries `T` for Kysely's type checks; there is no value at run time. */
  get expressionType(): T | undefined {
    return undefined
  }

  /** A bound parameter whose value is this placeholder, swapped for the real value at each execute. */
  toOperationNode(): OperationNode {
    return ValueNode.create(this)
  }
}

/**
 * The `$` a prepared query is built with: `$('id')` is the value named `id`, of type `P['id']`.
 *
 * @template P - the values the query takes, by name
 */
export type Placeholders<P> = <K extends keyof P & string>(name: K) => Placeholder<P[K]>

/**
 * A query built and compiled once, executed many times with different values. Results have the
 * types and shapes the same Kysely query gives: rows for a select or a write with `returning`,
 * otherwise one `InsertResult`, `UpdateResult` or `DeleteResult`.
 *
 * @template P - the values it takes, by name
 * @template O - one result row, as Kysely infers it
 */
export interface PreparedQuery<P, O> {
  /** The SQL sent to the engine, with `?` for every bound value. */
  readonly sql: string
  /**
   * Runs the query with these values.
   *
   * @param values - one value per placeholder name
   */
  execute(values: P): Promise<O[]>
  /**
   * Runs the query and returns its first row, or `undefined` when there is none.
   *
   * @param values - one value per placeholder name
   */
  executeTakeFirst(values: P): Promise<O | undefined>
  /**
   * The query with these values, ready for `provider.batch([...])`.
   *
   * @param values - one value per placeholder name
   */
  bind(values: P): Compilable<O>
}

/** Where each placeholder sits among the compiled query's parameters. */
interface Slot {
  readonly index: number
  readonly name: string
}

/**
 * A prepared query over one compiled statement: binding copies the parameters and puts each
 * value in its slot, nothing is built or compiled again.
 */
export class CompiledPreparedQuery<P, O> implements PreparedQuery<P, O> {
  readonly sql: string
  readonly #compiled: CompiledQuery
  readonly #slots: readonly Slot[]
  readonly #run: (query: CompiledQuery) => Promise<QueryResult<unknown>>
  readonly #adapter: string
  /** Whether the engine must rebuild the SQL to fit its parameter limit, from the query tree. */
  readonly #overLimit: boolean

  /**
   * @param compiled - the query compiled with its placeholders as parameters
   * @param run - executes one compiled query
   * @param adapter - the adapter's name, for errors
   * @param maxBoundParameters - the engine's limit on bound parameters, if any
   */
  constructor(
    compiled: CompiledQuery,
    run: (query: CompiledQuery) => Promise<QueryResult<unknown>>,
    adapter: string,
    maxBoundParameters?: number,
  ) {
    this.sql = compiled.sql
    this.#compiled = compiled
    this.#run = run
    this.#adapter = adapter
    this.#overLimit = maxBoundParameters !== undefined && compiled.parameters.length > maxBoundParameters
    const list = placeholderAsList(compiled.query)
    if (list) {
      throw new StorageError(
        'INVALID_PARAMETER',
        `the placeholder \`${list.name}\` stands for a whole \`in\` list, but a placeholder is one value; give each value its own placeholder, or build the query with the list for each call`,
        { adapter },
      )
    }
    const slots: Slot[] = []
    compiled.parameters.forEach((parameter, index) => {
      if (parameter instanceof Placeholder) slots.push({ index, name: parameter.name })
    })
    this.#slots = slots
  }

  async execute(values: P): Promise<O[]> {
    const query = this.#bound(values)
    return resultRows<O>(query, await this.#run(query))
  }

  async executeTakeFirst(values: P): Promise<O | undefined> {
    const query = this.#bound(values)
    return resultRows<O>(query, await this.#run(query))[0]
  }

  bind(values: P): Compilable<O> {
    const query = this.#bound(values)
    return { compile: () => query as CompiledQuery<O> }
  }

  #bound(values: P): CompiledQuery {
    if (typeof values !== 'object' || values === null) {
      throw new StorageError('INVALID_PARAMETER', 'a prepared query takes its values as one object, by name', {
        adapter: this.#adapter,
      })
    }
    const parameters = this.#compiled.parameters.slice()
    for (const { index, name } of this.#slots) {
      const value = (values as Record<string, unknown>)[name]
      if (value === undefined) {
        throw new StorageError(
          'INVALID_PARAMETER',
          `the prepared query's value \`${name}\` is missing or undefined; pass null for SQL NULL`,
          { adapter: this.#adapter },
        )
      }
      parameters[index] = value
    }
    // Above the limit the engine rebuilds the SQL from the tree (split inserts, `in` lists read from
    // JSON), so the tree must hold the values too, not the placeholders.
    const query = this.#overLimit
      ? new PlaceholderBinder(values as Record<string, unknown>).transformNode(this.#compiled.query)
      : this.#compiled.query
    return { sql: this.#compiled.sql, query, queryId: this.#compiled.queryId, parameters }
  }
}

/**
 * Puts the values in place of the placeholders in a query tree. A list made only of values, as a
 * list of placeholders becomes, is made a list of plain values: the form in which a multi-row
 * insert is split, and an `in` list read from JSON, to fit a parameter limit.
 */
class PlaceholderBinder extends OperationNodeTransformer {
  readonly #values: Record<string, unknown>

  constructor(values: Record<string, unknown>) {
    super()
    this.#values = values
  }

  protected override transformValue(node: ValueNode, queryId?: QueryId): ValueNode {
    return node.value instanceof Placeholder
      ? ValueNode.create(this.#valueOf(node.value))
      : super.transformValue(node, queryId)
  }

  protected override transformValues(node: ValuesNode, queryId?: QueryId): ValuesNode {
    return ValuesNode.create(node.values.map((row) => this.#plainList(row) ?? this.transformNode(row, queryId)))
  }

  protected override transformBinaryOperation(node: BinaryOperationNode, queryId?: QueryId): BinaryOperationNode {
    const transformed = super.transformBinaryOperation(node, queryId)
    const list = this.#plainList(node.rightOperand)
    return list ? BinaryOperationNode.create(transformed.leftOperand, transformed.operator, list) : transformed
  }

  #plainList(node: OperationNode): PrimitiveValueListNode | undefined {
    if (!ValueListNode.is(node) || !node.values.every((item) => ValueNode.is(item) && !item.immediate)) return undefined
    return PrimitiveValueListNode.create(
      node.values.map((item) => {
        const { value } = item as ValueNode
        return value instanceof Placeholder ? this.#valueOf(value) : value
      }),
    )
  }

  #valueOf(placeholder: Placeholder<unknown>): unknown {
    return this.#values[placeholder.name]
  }
}

/** A placeholder put where an `in` / `not in` list goes (`where('id', 'in', $('ids'))`), if any. */
function placeholderAsList(node: unknown): Placeholder<unknown> | undefined {
  if (Array.isArray(node)) {
    for (const item of node) {
      const found = placeholderAsList(item)
      if (found) return found
    }
    return undefined
  }
  if (typeof node !== 'object' || node === null || ValueNode.is(node as OperationNode)) return undefined
  if (BinaryOperationNode.is(node as OperationNode)) {
    const { operator, rightOperand } = node as BinaryOperationNode
    const isIn = OperatorNode.is(operator) && (operator.operator === 'in' || operator.operator === 'not in')
    if (isIn && ValueNode.is(rightOperand) && rightOperand.value instanceof Placeholder) return rightOperand.value
  }
  for (const child of Object.values(node)) {
    const found = placeholderAsList(child)
    if (found) return found
  }
  return undefined
}

/** The result rows Kysely's `execute()` gives for this query. */
function resultRows<O>(query: CompiledQuery, result: QueryResult<unknown>): O[] {
  const node = query.query
  const affected = result.numAffectedRows ?? BigInt(0)
  if (InsertQueryNode.is(node) && node.returning === undefined) {
    return [new InsertResult(result.insertId, affected) as O]
  }
  if (UpdateQueryNode.is(node) && node.returning === undefined) {
    return [new UpdateResult(affected, result.numChangedRows) as O]
  }
  if (DeleteQueryNode.is(node) && node.returning === undefined) return [new DeleteResult(affected) as O]
  return result.rows as O[]
}
