import {
  BinaryOperationNode,
  type OperationNode,
  OperationNodeTransformer,
  OperatorNode,
  PrimitiveValueListNode,
  type QueryId,
  RawNode,
  ValueNode,
} from 'kysely'
import { StorageError } from './errors.js'
import { describeValue, normalizeValue } from './query-parameters.js'

/**
 * Rewrites chosen `in (?, ?, ...)` lists to `in (select value from json_each(?))`, the list's
 * values travelling as ONE bound parameter: a JSON array. SQLite's `json_each` gives integers back
 * as integers, reals as reals, text as text and `null` as NULL, so the comparison is the same as
 * with the list. Values JSON cannot carry that way (blobs, non-finite numbers, integers beyond
 * 64 bits) are refused with a {@link StorageError} rather than compared as something else.
 */
export class JsonInListRewriter extends OperationNodeTransformer {
  readonly #lists: ReadonlySet<PrimitiveValueListNode>
  readonly #adapter: string

  /**
   * @param lists - the lists to rewrite, as found by {@link JsonInListRewriter.inListsOf}
   * @param adapter - named in errors
   */
  constructor(lists: ReadonlySet<PrimitiveValueListNode>, adapter: string) {
    super()
    this.#lists = lists
    this.#adapter = adapter
  }

  /** The value lists on the right of `in` / `not in` anywhere in `node`, in the order they appear. */
  static inListsOf(node: OperationNode): PrimitiveValueListNode[] {
    const lists: PrimitiveValueListNode[] = []
    const visit = (value: unknown): void => {
      if (Array.isArray(value)) {
        for (const item of value) visit(item)
        return
      }
      if (!isOperationNode(value) || ValueNode.is(value) || PrimitiveValueListNode.is(value)) return
      if (
        BinaryOperationNode.is(value) &&
        isInOperator(value.operator) &&
        PrimitiveValueListNode.is(value.rightOperand)
      ) {
        lists.push(value.rightOperand)
      }
      for (const child of Object.values(value)) visit(child)
    }
    visit(node)
    return lists
  }

  protected override transformBinaryOperation(node: BinaryOperationNode, queryId?: QueryId): BinaryOperationNode {
    const transformed = super.transformBinaryOperation(node, queryId)
    if (!PrimitiveValueListNode.is(node.rightOperand) || !this.#lists.has(node.rightOperand)) return transformed
    const json = ValueNode.create(this.#jsonArray(node.rightOperand.values))
    const fromJson = RawNode.create(['(select value from json_each(', '))'], [json])
    return BinaryOperationNode.create(transformed.leftOperand, transformed.operator, fromJson)
  }

  #jsonArray(values: readonly unknown[]): string {
    return `[${values.map((value, index) => this.#jsonValue(value, index, values.length)).join(',')}]`
  }

  #jsonValue(raw: unknown, index: number, count: number): string {
    const value = normalizeValue(raw, () => `value ${index + 1} of an \`in\` list`, this.#adapter)
    if (value === null) return 'null'
    if (typeof value === 'string') return JSON.stringify(value)
    if (typeof value === 'number' && Number.isFinite(value)) return JSON.stringify(value)
    if (typeof value === 'bigint') return value.toString()
    throw new StorageError(
      'INVALID_PARAMETER',
      `an \`in\` list of ${count} values has more values than one statement may bind, so it is sent as JSON, which cannot carry its value ${index + 1} (${describeValue(value)}) unchanged; split the list into smaller queries`,
      { adapter: this.#adapter },
    )
  }
}

function isOperationNode(value: unknown): value is OperationNode {
  return typeof value === 'object' && value !== null && typeof (value as { kind?: unknown }).kind === 'string'
}

function isInOperator(node: OperationNode): boolean {
  return OperatorNode.is(node) && (node.operator === 'in' || node.operator === 'not in')
}
