const VISIBLE_MS = 3500

/** A message shown at the bottom of the page for a few seconds; a new one replaces the last. */
export class Toast {
  readonly #element: HTMLElement
  #timer: ReturnType<typeof setTimeout> | undefined

  constructor(element: HTMLElement) {
    this.#element = element
  }

  show(text: string): void {
    this.#element.textContent = text
    this.#element.classList.add('visible')
    clearTimeout(this.#timer)
    this.#timer = setTimeout(() => this.#element.classList.remove('visible'), VISIBLE_MS)
  }
}
