// Downloads, built in the browser from the JSON the API returns: one analysis (as CSV or JSON) and
// the whole history (paged through GET /api/analyses, 100 at a time).
//
// One analysis as CSV has the columns of `calmspace predict --format csv` (file, scope, start_s,
// end_s, predicted, then one probability per label): a "file" row for the whole recording and a
// "window" row per timeline window. The CLI's "segment" rows are left out: the API gives a
// segment's top emotion only, not its probabilities. The history as CSV has one row per analysis:
// id, created_at, name, duration_s, predicted, confidence, your_label (the person's own label).
import { listAnalyses } from './api.js';

// RFC 4180: quoted when it holds a comma, a quote or a line break; quotes doubled.
function csvField(value) {
  const s = String(value ?? '');
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
const csvLine = (fields) => `${fields.map(csvField).join(',')}\n`;

export function analysisCsv(analysis, labels) {
  const probs = (p) => labels.map((l) => (p[l] ?? 0).toFixed(6));
  const row = (scope, start, end, predicted, p) =>
    csvLine([analysis.name, scope, start.toFixed(3), end.toFixed(3), predicted, ...probs(p)]);
  return csvLine(['file', 'scope', 'start_s', 'end_s', 'predicted', ...labels]) +
    row('file', 0, analysis.duration_s, analysis.predicted, analysis.probabilities) +
    (analysis.timeline || []).map((w) => row('window', w.start_s, w.end_s, w.predicted, w.probabilities)).join('');
}

const HISTORY_COLUMNS = ['id', 'created_at', 'name', 'duration_s', 'predicted', 'confidence'];

// The last column, your_label, is the person's own label ("Was this right?"), empty when none.
export function historyCsv(items) {
  const fields = (a) => [...HISTORY_COLUMNS.map((c) => a[c]), a.correction ? a.correction.label : ''];
  return csvLine([...HISTORY_COLUMNS, 'your_label']) + items.map((a) => csvLine(fields(a))).join('');
}

// Every analysis in the history, newest first, as the list API gives them. `skip` holds ids to
// leave out (a deletion waiting for its Undo to run out).
export async function wholeHistory(skip = new Set()) {
  const items = [];
  for (let offset = 0; ; ) {
    const page = await listAnalyses(100, offset);
    items.push(...page.items);
    offset += page.items.length;
    if (page.items.length === 0 || offset >= page.total) break;
  }
  return items.filter((a) => !skip.has(a.id));
}

// Saves text as a file through a temporary link (no server round trip).
export function download(name, text, type) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  // The browser reads the blob after click() returns; free it once the download has surely begun.
  setTimeout(() => URL.revokeObjectURL(url), 30000);
}

// "long reading.wav" -> "long reading", for the downloaded file's name.
export const baseName = (name) => String(name || 'analysis').replace(/\.[^.]+$/, '') || 'analysis';
