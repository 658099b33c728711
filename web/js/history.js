// The history list: newest first, a page at a time, each row with the result, name, duration and
// date, and buttons to open or delete it. Text is always set with textContent (names come from
// uploads).
//
// Delete takes the row away at once but sends the DELETE only when its Undo toast runs out
// (UNDO_SECONDS), or when another row is deleted, or when the page is left; Undo puts it back.
// Until then the analysis is still on the server, so it stays in `items` (the paging offsets
// count it) and render() leaves it out.
import { listAnalyses, deleteAnalysis } from './api.js';
import { emotionColor, emotionWord, clock, when, percent } from './emotions.js';
import { showToast, hideToast } from './toast.js';

const PAGE = 20;
export const UNDO_SECONDS = 5;

export class History {
  // onOpen(id): Open; onRemoved(analysis): Delete (the server is told later); onRestored(analysis):
  // Undo; onError(error): the server refused; onChange(hiddenIds): the list was drawn again (after
  // a load, a deletion or an Undo).
  constructor({ onOpen, onRemoved, onRestored, onError, onChange = () => {} }) {
    Object.assign(this, { onOpen, onRemoved, onRestored, onError, onChange });
    this.list = document.getElementById('history');
    this.more = document.getElementById('history-more');
    this.more.addEventListener('click', () => this.load(false));
    this.items = [];
    this.current = null;
    this.pending = null;  // { item, timer }: the deletion waiting for its Undo to run out
    this.sending = new Set();  // ids whose DELETE is on its way
    // Leaving the page does not cancel a deletion: keepalive lets the request outlive the page.
    window.addEventListener('pagehide', () => {
      if (this.pending) deleteAnalysis(this.pending.item.id, { keepalive: true }).catch(() => {});
    });
  }

  // Ids that are deleted as far as the viewer is concerned (also left out of exports).
  get hiddenIds() {
    return new Set([...this.sending, ...(this.pending ? [this.pending.item.id] : [])]);
  }

  async load(fresh = true) {
    try {
      const page = await listAnalyses(PAGE, fresh ? 0 : this.items.length);
      this.items = fresh ? page.items : this.items.concat(page.items);
      this.total = page.total;
      this.render();
    } catch (e) {
      this.onError(e);
    }
  }

  highlight(id) {
    this.current = id;
    for (const li of this.list.children) li.classList.toggle('current', Number(li.dataset.id) === id);
  }

  render() {
    const hidden = this.hiddenIds;
    const shown = this.items.filter((a) => !hidden.has(a.id));
    const total = this.total - hidden.size;
    this.list.replaceChildren(...shown.map((a) => this.row(a)));
    document.getElementById('history-empty').hidden = shown.length > 0;
    document.getElementById('history-count').textContent =
      total ? `${total} ${total === 1 ? 'analysis' : 'analyses'}` : '';
    document.getElementById('export-all').hidden = total === 0;
    this.more.hidden = this.items.length >= this.total;
    this.highlight(this.current);
    this.onChange(hidden);
  }

  row(a) {
    const li = document.createElement('li');
    li.dataset.id = a.id;
    const chip = document.createElement('span');
    chip.className = 'chip';
    const dot = document.createElement('span');
    dot.className = 'dot';
    dot.style.background = emotionColor(a.predicted);
    const word = document.createElement('span');
    word.textContent = emotionWord(a.predicted);
    const pct = document.createElement('span');
    pct.className = 'pct';
    pct.textContent = percent(a.confidence);
    chip.append(dot, word, pct);
    const meta = document.createElement('span');
    meta.className = 'meta';
    const name = document.createElement('span');
    name.className = 'name';
    name.textContent = a.name;
    name.title = a.name;
    const stamp = document.createElement('span');
    stamp.className = 'when';
    stamp.textContent = `${when(a.created_at)} · ${clock(a.duration_s)}`;
    meta.append(name, stamp);
    const actions = document.createElement('span');
    actions.className = 'actions';
    const open = document.createElement('button');
    open.type = 'button';
    open.textContent = 'Open';
    open.setAttribute('aria-label', `Open ${a.name}`);
    open.addEventListener('click', () => this.onOpen(a.id));
    const del = document.createElement('button');
    del.type = 'button';
    del.className = 'delete';
    del.textContent = 'Delete';
    del.setAttribute('aria-label', `Delete ${a.name}`);
    del.addEventListener('click', () => this.remove(a));
    actions.append(open, del);
    li.append(chip, meta, actions);
    return li;
  }

  remove(a) {
    this.commit();  // one deletion waits at a time: an earlier one goes through now
    this.pending = { item: a, timer: setTimeout(() => this.commit(), UNDO_SECONDS * 1000) };
    this.render();
    this.onRemoved(a);
    showToast(`Deleted ${a.name}.`, 'Undo', () => this.undo());
  }

  undo() {
    if (!this.pending) return;
    const { item, timer } = this.pending;
    clearTimeout(timer);
    this.pending = null;
    this.render();
    this.list.querySelector(`li[data-id="${item.id}"] button.delete`)?.focus();
    this.onRestored(item);
  }

  // Sends the waiting deletion. Should the server refuse, the row comes back with the error.
  async commit() {
    if (!this.pending) return;
    const { item, timer } = this.pending;
    clearTimeout(timer);
    this.pending = null;
    this.sending.add(item.id);
    hideToast();
    try {
      await deleteAnalysis(item.id);
      // A load() that ran meanwhile may already have the list without it.
      if (this.items.some((x) => x.id === item.id)) {
        this.items = this.items.filter((x) => x.id !== item.id);
        this.total -= 1;
      }
    } catch (e) {
      this.onError(e);
    } finally {
      this.sending.delete(item.id);
      this.render();
    }
  }
}
