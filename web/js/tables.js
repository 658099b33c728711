// The charts' numbers as HTML tables, for screen readers and for anyone who would rather read
// numbers (WCAG 1.1.1: a text alternative for each chart). They are filled from the same
// analysis as the charts, every time one is shown: the probability of each emotion (the bar and
// pie charts) and each timeline window's probabilities (the timeline chart).
import { emotionWord } from './emotions.js';

// Probabilities as percentages, with the precision the charts' tooltips give: one decimal for
// the whole recording, whole numbers for the timeline's windows.
const pct = (p, digits = 1) => `${((p ?? 0) * 100).toFixed(digits)}%`;

// A cell; `emotion` marks an emotion's word (capitalised by style.css, as elsewhere on the page).
function cell(tag, text, scope, emotion = false) {
  const c = document.createElement(tag);
  c.textContent = text;
  if (scope) c.scope = scope;
  if (emotion) c.className = 'emotion';
  return c;
}

function row(...cells) {
  const tr = document.createElement('tr');
  tr.append(...cells);
  return tr;
}

export function fillTables(analysis, labels) {
  // Most likely first, as a reader would want them.
  const ranked = [...labels].sort((a, b) => (analysis.probabilities[b] ?? 0) - (analysis.probabilities[a] ?? 0));
  document.querySelector('#probability-table tbody').replaceChildren(
    ...ranked.map((l) => row(cell('th', emotionWord(l), 'row', true), cell('td', pct(analysis.probabilities[l])))));

  const timeline = analysis.timeline || [];
  document.getElementById('timeline-numbers').hidden = timeline.length === 0;
  const table = document.getElementById('timeline-table');
  // The window and its most likely emotion share the row header: one column fewer to fit.
  table.tHead.replaceChildren(row(cell('th', 'Window (most likely)', 'col'),
    ...labels.map((l) => cell('th', emotionWord(l), 'col', true))));
  table.tBodies[0].replaceChildren(...timeline.map((w) => row(
    cell('th', `${w.start_s.toFixed(1)}–${w.end_s.toFixed(1)} s (${emotionWord(w.predicted)})`, 'row'),
    ...labels.map((l) => cell('td', pct(w.probabilities[l], 0))))));
}
