import { h } from './dom.js'
import { field } from './form-fields.js'
import { openModal } from './modal-dialog.js'
import type { TokenAnswer } from './write-token.js'

/** Asks for the API's write token; resolves with `null` when the user closes the dialog. */
export function askForToken(refused: boolean): Promise<TokenAnswer | null> {
  return new Promise((answer) => {
    const form = h(
      'form',
      { class: 'form', novalidate: true },
      h(
        'p',
        { class: 'lead' },
        refused ? 'The API token was refused. Enter the right one.' : 'Changes need the API token.',
      ),
      field({ name: 'token', label: 'API token', type: 'password', required: true }),
      h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'remember' }), 'Remember on this device'),
      h(
        'div',
        { class: 'buttons' },
        h('span', { class: 'spacer' }),
        h('button', { type: 'submit', class: 'primary' }, 'Continue'),
      ),
    )
    let given: TokenAnswer | null = null
    const dialog = openModal('API token', [form], 'token-dialog')
    dialog.addEventListener('close', () => answer(given))
    form.addEventListener('submit', (event) => {
      event.preventDefault()
      const data = new FormData(form)
      const token = String(data.get('token') ?? '').trim()
      if (token === '') return
      given = { token, remember: data.get('remember') !== null }
      dialog.close()
    })
  })
}
