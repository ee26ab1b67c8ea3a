import {
  MAX_MUTATIONS_PER_REQUEST,
  MAX_MUTATOR_NAME_LENGTH,
  SYNC_PROTOCOL_VERSION,
  type SyncRequestBody,
  type WireMutation,
} from './sync-protocol.js'

/** A sync request the server refuses before touching the database: 4xx with a code and a reason. */
export class SyncRequestError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message)
    this.name = 'SyncRequestError'
  }
}

/** Reads and checks a sync request's body: its size, its JSON, and every field's type. */
export async function parseSyncRequest(request: Request, maxBodyBytes: number): Promise<SyncRequestBody> {
  const declared = Number(request.headers.get('content-length') ?? Number.NaN)
  if (declared > maxBodyBytes) throw tooLarge(maxBodyBytes)
  const text = await readText(request, maxBodyBytes)
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    throw new SyncRequestError(400, 'bad_request', 'the body is not JSON')
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalid('the body is not an object')
  const fields = body as Record<string, unknown>
  if (fields.protocol !== SYNC_PROTOCOL_VERSION) {
    throw new SyncRequestError(
      400,
      'protocol_mismatch',
      `the client speaks sync protocol ${String(fields.protocol)}, the server ${SYNC_PROTOCOL_VERSION}; update the client`,
    )
  }
  const { clientId, schema, cursor, acknowledged, mutations } = fields
  const cursorTag = fields.cursorTag ?? null
  if (typeof clientId !== 'string' || !/^[\w-]{1,64}$/.test(clientId)) throw invalid('clientId')
  if (schema !== null && typeof schema !== 'string') throw invalid('schema')
  if (cursor !== null && !isCount(cursor)) throw invalid('cursor')
  if (cursorTag !== null && (typeof cursorTag !== 'string' || cursorTag.length > 64)) throw invalid('cursorTag')
  if (!isCount(acknowledged)) throw invalid('acknowledged')
  if (!Array.isArray(mutations)) throw invalid('mutations')
  // A client sends at most this many; more would hold the database (and, on D1, one batch each) for one request.
  if (mutations.length > MAX_MUTATIONS_PER_REQUEST) {
    throw new SyncRequestError(
      413,
      'too_large',
      `the sync request has ${mutations.length} mutations; send at most ${MAX_MUTATIONS_PER_REQUEST} a request`,
    )
  }
  let previous = 0
  const checked: WireMutation[] = mutations.map((mutation: unknown) => {
    const { id, name, args } = (mutation ?? {}) as Record<string, unknown>
    if (!isCount(id) || id <= previous) throw invalid('mutations: ids must be increasing positive integers')
    if (typeof name !== 'string' || name === '' || name.length > MAX_MUTATOR_NAME_LENGTH) {
      throw invalid(`mutations: name (1 to ${MAX_MUTATOR_NAME_LENGTH} characters)`)
    }
    previous = id
    return { id, name, args }
  })
  return { protocol: SYNC_PROTOCOL_VERSION, clientId, schema, cursor, cursorTag, acknowledged, mutations: checked }
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0
}

function invalid(field: string): SyncRequestError {
  return new SyncRequestError(400, 'bad_request', `invalid sync request: ${field}`)
}

function tooLarge(maxBodyBytes: number): SyncRequestError {
  return new SyncRequestError(
    413,
    'too_large',
    `the sync request is larger than ${maxBodyBytes} bytes; sync more often`,
  )
}

async function readText(request: Request, maxBodyBytes: number): Promise<string> {
  if (!request.body) return ''
  const reader = request.body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > maxBodyBytes) {
      await reader.cancel()
      throw tooLarge(maxBodyBytes)
    }
    chunks.push(value)
  }
  const bytes = new Uint8Array(size)
  let offset = 0
  for (const chunk of chunks) {
    bytes.set(chunk, offset)
    offset += chunk.byteLength
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes)
  } catch {
    throw new SyncRequestError(400, 'bad_request', 'the body is not UTF-8 text')
  }
}
