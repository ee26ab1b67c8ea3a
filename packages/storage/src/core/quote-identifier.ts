/** `name` as an SQL identifier for raw SQL text: `"name"`, with inner quotes doubled. */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`
}
