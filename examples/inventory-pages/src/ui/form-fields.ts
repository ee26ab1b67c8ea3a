import { describeError } from './describe-error.js'
import { h } from './dom.js'
import { InventoryRequestError } from './inventory-client.js'

/** One labelled input of a form, with room for its error. */
export interface FieldSpec {
  name: string
  label: string
  type?: string
  value?: string | number | undefined
  required?: boolean
  step?: string
  min?: string
  /** Suggestions offered as the user types. */
  list?: readonly string[]
}

export function field(spec: FieldSpec): HTMLElement {
  const listId = spec.list ? `${spec.name}-options` : null
  return h(
    'label',
    { class: 'field', 'data-field': spec.name },
    h('span', {}, spec.label),
    h('input', {
      name: spec.name,
      type: spec.type ?? 'text',
      value: spec.value ?? '',
      required: spec.required,
      step: spec.step,
      min: spec.min,
      list: listId,
      autocomplete: 'off',
    }),
    spec.list
      ? h(
          'datalist',
          { id: listId },
          spec.list.map((value) => h('option', { value })),
        )
      : null,
    h('small', { class: 'field-error', role: 'alert' }),
  )
}

/** The line under a form where an error that belongs to no field is shown. */
export function formError(): HTMLElement {
  return h('p', { class: 'form-error', role: 'alert' })
}

/** Shows each field's error next to it; an error with no field goes to the form's message line. */
export function showErrors(form: HTMLFormElement, error: unknown): void {
  for (const slot of form.querySelectorAll('.field-error')) slot.textContent = ''
  for (const input of form.querySelectorAll('[aria-invalid]')) input.removeAttribute('aria-invalid')
  const message = form.querySelector('.form-error') as HTMLElement
  message.textContent = ''
  const fields = error instanceof InventoryRequestError ? error.fields : {}
  let placed = false
  for (const [name, text] of Object.entries(fields)) {
    const slot = form.querySelector(`[data-field="${name}"] .field-error`)
    if (!slot) continue
    slot.textContent = text
    form.querySelector(`[name="${name}"]`)?.setAttribute('aria-invalid', 'true')
    placed = true
  }
  if (!placed) message.textContent = describeError(error)
  ;(form.querySelector('[aria-invalid]') as HTMLElement | null)?.focus()
}

/** A form value as the API takes it: a number where the text is one, else the text, `undefined` when empty. */
export function numberOrText(value: FormDataEntryValue | null): unknown {
  const text = String(value ?? '').trim()
  return text === '' ? undefined : Number.isNaN(Number(text)) ? text : Number(text)
}

/** Runs a form's submission with its button disabled, showing any error next to its field. */
export async function submitting(form: HTMLFormElement, work: () => Promise<void>): Promise<void> {
  const button = form.querySelector('button[type="submit"]') as HTMLButtonElement
  button.disabled = true
  form.setAttribute('aria-busy', 'true')
  try {
    await work()
  } catch (error) {
    showErrors(form, error)
  } finally {
    button.disabled = false
    form.removeAttribute('aria-busy')
  }
}
