// "Was this right?": the person marks the analysis on show right, or corrects it to another
// emotion, and can take that back (PUT / DELETE /api/analyses/{id}/label). The labels they give
// are what `calmspace history export` turns into a fine-tuning set.
import { setLabel, clearLabel } from './api.js';
import { emotionWord } from './emotions.js';

export class Feedback {
  // `els`: { box, right, select, undo, status }; `onSaved(analysis)` after every change.
  constructor(els, { onSaved, onError }) {
    this.els = els;
    this.analysis = null;
    this.onSaved = onSaved;
    this.onError = onError;
    els.right.addEventListener('click', () => this.save(this.analysis && this.analysis.predicted));
    els.select.addEventListener('change', () => {
      if (els.select.value) this.save(els.select.value);
    });
    els.undo.addEventListener('click', () => this.undo());
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
    this.els.select.value = '';
    this.els.undo.hidden = !c;
    this.els.right.hidden = !!c;
    this.els.select.hidden = !!c;
    if (!c) this.els.status.textContent = '';
    else if (c.label === analysis.predicted) this.els.status.textContent = 'You said this was right.';
    else this.els.status.textContent = `You said it was ${emotionWord(c.label)}.`;
    this.els.box.dataset.label = c ? c.label : '';
  }

  async save(label) {
    if (!this.analysis || !label) return;
    try {
      const updated = await setLabel(this.analysis.id, label);
      this.show(updated);
      this.onSaved(updated);
    } catch (e) {
      this.onError(e);
    }
  }

  async undo() {
    if (!this.analysis) return;
    try {
      const updated = await clearLabel(this.analysis.id);
      this.show(updated);
      this.onSaved(updated);
    } catch (e) {
      this.onError(e);
    }
  }
}
