// "Was this right?": the person marks the analysis on show right, or corrects it to another
// emotion (pick it, then Save), and can take that back (PUT / DELETE /api/analyses/{id}/label).
// The labels they give are what `calmspace history export` turns into a fine-tuning set.
// One request at a time: the controls are disabled while it runs, and an answer for an analysis
// that is no longer on show is dropped. Focus moves to what replaces the pressed control.
import { setLabel, clearLabel } from './api.js';
import { emotionWord } from './emotions.js';

export class Feedback {
  // `els`: { box, right, select, save, undo, status }; `onSaved(analysis)` after every change.
  constructor(els, { onSaved, onError }) {
    this.els = els;
    this.analysis = null;
    this.onSaved = onSaved;
    this.onError = onError;
    els.right.addEventListener('click', () => this.send(() => setLabel(this.analysis.id, this.analysis.predicted)));
    els.select.addEventListener('change', () => (els.save.disabled = !els.select.value));
    els.save.addEventListener('click', () => {
      const label = els.select.value;
      if (label) this.send(() => setLabel(this.analysis.id, label));
    });
    els.undo.addEventListener('click', () => this.send(() => clearLabel(this.analysis.id)));
  }

  // The model's labels, once known: the choices of the correction list.
  setLabels(labels) {
    const first = document.createElement('option');
    first.value = '';
    first.textContent = 'No, it was…';
    this.els.select.replaceChildren(first, ...labels.map((l) => {
      const o = document.createElement('option');
      o.value = l;
      o.textContent = emotionWord(l);
      return o;
    }));
  }

  show(analysis) {
    this.analysis = analysis;
    const c = analysis.correction;
    const { box, right, select, save, undo, status } = this.els;
    select.value = '';
    save.disabled = true;
    undo.hidden = !c;
    right.hidden = select.hidden = save.hidden = !!c;
    if (!c) status.textContent = '';
    else if (c.label === analysis.predicted) status.textContent = 'You said this was right.';
    else status.textContent = `You said it was ${emotionWord(c.label)}.`;
    box.dataset.label = c ? c.label : '';
  }

  setBusy(busy) {
    for (const el of [this.els.right, this.els.select, this.els.undo]) el.disabled = busy;
    this.els.save.disabled = busy || !this.els.select.value;
    this.els.box.setAttribute('aria-busy', String(busy));
  }

  async send(request) {
    if (!this.analysis) return;
    const id = this.analysis.id;
    this.setBusy(true);
    try {
      const updated = await request();
      if (!this.analysis || this.analysis.id !== id) return;  // another analysis is on show now
      this.show(updated);
      (updated.correction ? this.els.undo : this.els.right).focus();
      this.onSaved(updated);
    } catch (e) {
      this.onError(e);
    } finally {
      this.setBusy(false);
    }
  }
}
