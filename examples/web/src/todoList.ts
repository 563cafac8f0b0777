/**
 * The list on screen and what the client knows about each todo: its last-read data and, once read,
 * its ETag. Every change is conditional on that tag, so a change made elsewhere in the meantime is
 * reported as a conflict instead of being silently overwritten.
 */
import { createTodo, deleteTodo, describeError, getTodo, isConflict, isNotFound, listTodos, updateTodo, type TaggedTodo, type Todo } from './api';
import { element } from './dom';
import { clearMessage, showMessage } from './message';

export interface TodoListElements {
  list: HTMLUListElement;
  empty: HTMLElement;
  loadMore: HTMLButtonElement;
}

export class TodoList {
  /** Newest first, as the API returns them; created todos are put in front. */
  private todos: Todo[] = [];
  /** The tag of the version in `todos`, when known: list pages carry none, a GET, POST or PATCH does. */
  private readonly etags = new Map<string, string>();
  private nextCursor: string | null = null;
  /** Actions in flight, mirrored on `<body data-pending>` so a test can wait for the page to settle. */
  private static pending = 0;

  constructor(
    private readonly pageSize: number,
    private readonly elements: TodoListElements,
  ) {
    elements.loadMore.addEventListener('click', () => void this.loadMore());
  }

  async loadFirstPage(): Promise<void> {
    await this.guard(this.elements.loadMore, async () => {
      const page = await listTodos(this.pageSize);
      this.todos = page.items;
      this.etags.clear();
      this.nextCursor = page.nextCursor;
    });
  }

  async loadMore(): Promise<void> {
    await this.guard(this.elements.loadMore, async () => {
      const page = await listTodos(this.pageSize, this.nextCursor);
      // Keyset pages never repeat a row, but a todo created here since is already in front.
      const shown = new Set(this.todos.map((todo) => todo.id));
      this.todos.push(...page.items.filter((todo) => !shown.has(todo.id)));
      this.nextCursor = page.nextCursor;
    });
  }

  async create(title: string): Promise<boolean> {
    try {
      const created = await createTodo(title);
      this.remember(created);
      this.todos.unshift(created.todo);
      clearMessage();
      return true;
    } catch (error) {
      showMessage('error', describeError(error));
      return false;
    } finally {
      this.render();
    }
  }

  private async toggle(todo: Todo, completed: boolean, row: HTMLElement): Promise<void> {
    await this.guard(row, async () => {
      const etag = await this.etagFor(todo);
      if (etag === undefined) return;
      this.remember(await updateTodo(todo.id, { completed }, etag));
      clearMessage();
    });
  }

  private async remove(todo: Todo, row: HTMLElement): Promise<void> {
    await this.guard(row, async () => {
      try {
        // With a tag: refused if someone changed it since we read it. Without one (never read
        // singly), the user deletes what they see in the list, unconditionally.
        await deleteTodo(todo.id, this.etags.get(todo.id));
      } catch (error) {
        if (!isNotFound(error)) throw error;
        // Already deleted elsewhere: the outcome the user asked for.
      }
      this.forget(todo.id);
      clearMessage();
    });
  }

  /**
   * The tag to send for `todo`: the one held, or one read now. A todo read now that differs from the
   * one on screen changed since the list was loaded: that is a conflict too, caught before sending.
   */
  private async etagFor(todo: Todo): Promise<string | undefined> {
    const held = this.etags.get(todo.id);
    if (held !== undefined) return held;
    const fresh = await getTodo(todo.id);
    this.remember(fresh);
    if (fresh.todo.updatedAt !== todo.updatedAt) {
      showMessage('conflict', `Conflict: "${fresh.todo.title}" was changed elsewhere since the list was loaded. Showing the latest version; try again.`);
      return undefined;
    }
    return fresh.etag;
  }

  /**
   * Runs one user action with its control disabled (and `data-busy` set, which the browser test waits
   * on), turning failures into messages: a 412 into a conflict and a reload of that todo.
   */
  private async guard(control: HTMLElement, action: () => Promise<void>): Promise<void> {
    TodoList.pending += 1;
    document.body.dataset.pending = String(TodoList.pending);
    control.dataset.busy = 'true';
    control.setAttribute('aria-busy', 'true');
    if (control instanceof HTMLButtonElement) control.disabled = true;
    try {
      await action();
    } catch (error) {
      const id = control.dataset.id;
      if (isConflict(error) && id !== undefined) {
        // error.name is the API's stable code (`precondition_failed`).
        showMessage('conflict', `Conflict (${error.name}): this todo was changed elsewhere since you loaded it. Reloaded the latest version; try again.`);
        await this.reload(id);
      } else {
        showMessage('error', describeError(error));
      }
    } finally {
      if (control instanceof HTMLButtonElement) control.disabled = false;
      delete control.dataset.busy;
      control.removeAttribute('aria-busy');
      this.render();
      TodoList.pending -= 1;
      if (TodoList.pending === 0) delete document.body.dataset.pending;
      else document.body.dataset.pending = String(TodoList.pending);
    }
  }

  /** Fresh data and tag for one todo (after a conflict); gone when it was deleted meanwhile. */
  private async reload(id: string): Promise<void> {
    try {
      this.remember(await getTodo(id));
    } catch (error) {
      if (isNotFound(error)) this.forget(id);
      else showMessage('error', describeError(error));
    }
  }

  private remember({ todo, etag }: TaggedTodo): void {
    this.etags.set(todo.id, etag);
    this.todos = this.todos.map((shown) => (shown.id === todo.id ? todo : shown));
  }

  private forget(id: string): void {
    this.etags.delete(id);
    this.todos = this.todos.filter((todo) => todo.id !== id);
  }

  /** Redraws the whole list: it is one page or a few, and it keeps the DOM a plain function of state. */
  render(): void {
    const { list, empty, loadMore } = this.elements;
    list.replaceChildren(...this.todos.map((todo) => this.renderItem(todo)));
    empty.hidden = this.todos.length > 0;
    loadMore.hidden = this.nextCursor === null;
  }

  private renderItem(todo: Todo): HTMLLIElement {
    const row = element('li', { 'data-testid': 'todo-item', 'data-id': todo.id, 'data-completed': String(todo.completed), class: 'item' });
    const checkbox = element('input', { type: 'checkbox', 'data-testid': 'todo-toggle', 'aria-label': `Completed: ${todo.title}` });
    checkbox.checked = todo.completed;
    checkbox.addEventListener('change', () => {
      checkbox.disabled = true;
      void this.toggle(todo, checkbox.checked, row);
    });
    const title = element('span', { 'data-testid': 'todo-title', class: todo.completed ? 'title done' : 'title' }, todo.title);
    const remove = element('button', { type: 'button', 'data-testid': 'todo-delete', 'aria-label': `Delete: ${todo.title}` }, 'Delete');
    remove.addEventListener('click', () => {
      remove.disabled = true;
      void this.remove(todo, row);
    });
    row.append(checkbox, title, remove);
    return row;
  }
}
