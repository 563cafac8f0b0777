/**
 * Entry point: configure Amplify for the local or the deployed API, sign in when the deployment
 * needs it, then show the list.
 */
import { configureAmplify } from './config';
import { byTestId } from './dom';
import { ensureSignedIn } from './auth';
import { showMessage } from './message';
import { TodoList } from './todoList';

async function start(): Promise<void> {
  const config = configureAmplify();
  const mode = byTestId('mode');
  if (config.kind === 'unconfigured') {
    mode.textContent = 'Not configured';
    showMessage('error', config.reason);
    return;
  }
  mode.textContent = config.kind === 'local' ? `Local API ${config.endpoint} (no sign-in)` : `Deployed API ${config.endpoint}`;

  if (config.kind === 'deployed') {
    if (config.signInRequired) await ensureSignedIn(byTestId('auth'));
    else mode.textContent += ' — amplify_outputs.json has no auth section: requests are unsigned';
  }

  const todos = new TodoList(config.pageSize, {
    list: byTestId<HTMLUListElement>('todo-list'),
    empty: byTestId('list-empty'),
    loadMore: byTestId<HTMLButtonElement>('load-more'),
  });

  const form = byTestId<HTMLFormElement>('create-form');
  const title = byTestId<HTMLInputElement>('create-title');
  const submit = byTestId<HTMLButtonElement>('create-submit');
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    submit.disabled = true;
    void todos.create(title.value).then((created) => {
      if (created) title.value = '';
      submit.disabled = false;
      title.focus();
    });
  });

  byTestId('todos').hidden = false;
  await todos.loadFirstPage();
  // Ready: the list shows the first page (the browser test waits for this).
  document.body.dataset.ready = 'true';
}

void start().catch((error: unknown) => showMessage('error', error instanceof Error ? `${error.name}: ${error.message}` : String(error)));
