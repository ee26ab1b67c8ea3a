/**
 * Frames enough to reach the application's code from where a query's error is made: inside a
 * transaction Kysely's executors and connection providers sit in between, about a dozen deep.
 */
const CALLER_FRAMES = 32

/**
 * Throws the typed error for a failed query with a stack that reaches the code that ran the query.
 * Await it from the async function Kysely awaits for the query.
 *
 * An engine fails a query in a callback of its own, so its error holds no frame of the caller.
 * JavaScript engines with async stack traces (V8: Node, Chromium, workerd) list every function
 * awaiting the one that makes an error, which reaches the caller, provided that:
 * - the chain of promises up to the caller exists. Inside a transaction, Kysely's single-connection
 *   provider links its promise one tick after the query started; an error made at once (a
 *   synchronous engine, a parameter refused before the engine ran) would stop there. Two ticks
 *   of waiting cover a query that fails synchronously;
 * - the stack may hold more than the default 10 frames, which Kysely's own layers use up.
 * An error that is already typed (raised by this library or an engine adapter) keeps its own
 * frames and gains the caller's, as Kysely's drivers extend the stacks of their errors.
 * Only failures pay for any of this.
 *
 * @param error - what the engine threw
 * @param toTyped - maps it to a typed error (the same object if it is one already)
 */
export async function failWithCallerStack(error: unknown, toTyped: (error: unknown) => Error): Promise<never> {
  await undefined
  await undefined
  const limit = Error.stackTraceLimit
  const raise = typeof limit === 'number' && limit < CALLER_FRAMES
  if (raise) Error.stackTraceLimit = CALLER_FRAMES
  try {
    const typed = toTyped(error)
    throw typed === error ? appendFrames(typed, new Error()) : typed
  } finally {
    if (raise) Error.stackTraceLimit = limit
  }
}

function appendFrames(error: Error, frames: Error): Error {
  if (typeof error.stack !== 'string' || !frames.stack) return error
  // V8 starts a stack with the error's own line ("Error"); other engines list frames only.
  const added = frames.stack.startsWith('Error\n') ? frames.stack.slice('Error\n'.length) : frames.stack
  error.stack = `${error.stack}\n${added}`
  return error
}
