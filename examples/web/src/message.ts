/** The one status line: what just failed, or a conflict the user should know about. */
import { byTestId } from './dom';

export type MessageKind = 'info' | 'error' | 'conflict';

export function showMessage(kind: MessageKind, text: string): void {
  const line = byTestId('message');
  line.dataset.kind = kind;
  line.textContent = text;
  line.hidden = false;
}

export function clearMessage(): void {
  const line = byTestId('message');
  line.hidden = true;
  line.textContent = '';
  delete line.dataset.kind;
}
