// The history list: newest first, a page at a time, each row with the result, name, duration and
// date, and buttons to open or delete it. Text is always set with textContent (names come from
// uploads).
import { listAnalyses, deleteAnalysis } from './api.js';
import { emotionColor, emotionWord, clock, when, percent } from './emotions.js';

const PAGE = 20;

export class History {
  constructor({ onOpen, onDeleted, onError }) {
    Object.assign(this, { onOpen, onDeleted, onError });
    this.list = document.getElementById('history');
    this.more = document.getElementById('history-more');
    this.more.addEventListener('click', () => this.load(false));
    this.items = [];
    this.current = null;
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
    this.list.replaceChildren(...this.items.map((a) => this.row(a)));
    document.getElementById('history-empty').hidden = this.items.length > 0;
    document.getElementById('history-count').textContent =
      this.total ? `${this.total} ${this.total === 1 ? 'analysis' : 'analyses'}` : '';
    this.more.hidden = this.items.length >= this.total;
    this.highlight(this.current);
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
    open.addEventListener('click', () => this.onOpen(a.id));
    const del = document.createElement('button');
    del.type = 'button';
    del.className = 'delete';
    del.textContent = 'Delete';
    del.setAttribute('aria-label', `Delete ${a.name}`);
    del.addEventListener('click', () => this.remove(a.id));
    actions.append(open, del);
    li.append(chip, meta, actions);
    return li;
  }

  async remove(id) {
    try {
      await deleteAnalysis(id);
      this.items = this.items.filter((a) => a.id !== id);
      this.total -= 1;
      this.render();
      this.onDeleted(id);
    } catch (e) {
      this.onError(e);
    }
  }
}
