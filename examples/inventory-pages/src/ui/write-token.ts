const TOKEN_KEY = 'inventory-api-token'

/** What the user gave when asked for the token. */
export interface TokenAnswer {
  readonly token: string
  /** Keep it on this device (localStorage) rather than for this tab's session only. */
  readonly remember: boolean
}

/**
 * The API's write token: asked for when the server wants one, then kept for this tab's session
 * (sessionStorage), or on this device (localStorage) when the user ticks "remember"; asked for
 * again when the server refuses it.
 */
export class WriteToken {
  readonly #ask: (refused: boolean) => Promise<TokenAnswer | null>

  constructor(ask: (refused: boolean) => Promise<TokenAnswer | null>) {
    this.#ask = ask
  }

  /** The token kept earlier, without asking for one. */
  saved(): string | null {
    return read(sessionStorage) ?? read(localStorage)
  }

  /** The token to send; `renew` after the server refused the last one. */
  async get(renew: boolean): Promise<string | null> {
    const saved = read(sessionStorage) ?? read(localStorage)
    if (saved && !renew) return saved
    const answer = await this.#ask(renew && saved !== null)
    forget(sessionStorage)
    forget(localStorage)
    if (!answer) return null
    keep(answer.remember ? localStorage : sessionStorage, answer.token)
    return answer.token
  }
}

// Storage can be refused (a sandboxed frame, some private modes): the token then lasts as long as the page.
function read(storage: Storage): string | null {
  try {
    return storage.getItem(TOKEN_KEY)
  } catch {
    return null
  }
}

function keep(storage: Storage, token: string): void {
  try {
    storage.setItem(TOKEN_KEY, token)
  } catch {
    // Not kept: asked again on the next change.
  }
}

function forget(storage: Storage): void {
  try {
    storage.removeItem(TOKEN_KEY)
  } catch {
    // Nothing was kept there.
  }
}
