/** An error's message for a person to read. */
export function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
