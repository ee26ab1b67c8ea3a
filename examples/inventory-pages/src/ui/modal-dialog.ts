import { h } from './dom.js'

/** Opens a modal with a title, a close button and `content`; it removes itself once closed. */
export function openModal(title: string, content: HTMLElement[], testId: string): HTMLDialogElement {
  const dialog = h(
    'dialog',
    { 'data-testid': testId, 'aria-label': title },
    h(
      'header',
      {},
      h('h2', {}, title),
      h('button', { type: 'button', class: 'close', 'aria-label': 'Close', onclick: () => dialog.close() }, '×'),
    ),
    ...content,
  )
  dialog.addEventListener('close', () => dialog.remove())
  document.body.append(dialog)
  dialog.showModal()
  return dialog
}
