import type { D1Database, D1PreparedStatement, D1Result } from '../../src/d1.js'

/**
 * A D1 binding that counts what reaches D1: round trips (one per `all()` or `batch()` call) and
 * statements (one per statement run, each statement of a batch counted).
 */
export class CountingD1Database implements D1Database {
  roundTrips = 0
  statements = 0
  readonly #database: D1Database
  readonly #unwrapped = new WeakMap<D1PreparedStatement, D1PreparedStatement>()

  /** @param database - the binding to count calls to */
  constructor(database: D1Database) {
    this.#database = database
  }

  prepare(query: string): D1PreparedStatement {
    return this.#counted(this.#database.prepare(query))
  }

  batch(statements: D1PreparedStatement[]): Promise<D1Result[]> {
    this.roundTrips++
    this.statements += statements.length
    return this.#database.batch(statements.map((statement) => this.#unwrapped.get(statement) ?? statement))
  }

  /** Starts counting from zero. */
  reset(): void {
    this.roundTrips = 0
    this.statements = 0
  }

  #counted(statement: D1PreparedStatement): D1PreparedStatement {
    const counted: D1PreparedStatement = {
      bind: (...values) => this.#counted(statement.bind(...values)),
      all: () => {
        this.roundTrips++
        this.statements++
        return statement.all()
      },
    }
    this.#unwrapped.set(counted, statement)
    return counted
  }
}
