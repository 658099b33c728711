// The CalmSpace page: record or upload, see the analysis as charts, browse the history.
import { analyse, getAnalysis, audioUrl, getModel, getHealth } from './api.js';
import { chartsReady, drawCharts } from './charts.js';
import { emotionWord, clock, when, percent, setLabels } from './emotions.js';
import { Feedback } from './feedback.js';
import { analysisCsv, baseName, download, historyCsv, wholeHistory } from './export.js';
import { History, UNDO_SECONDS } from './history.js';
import { LiveSession } from './live.js';
import { LiveView } from './live-view.js';
import { renderMarkdown } from './markdown.js';
import { onPrefsChange, reducedMotion } from './prefs.js';
import { PersonalPanel } from './personal.js';
import { VoicePanel } from './voice.js';
import { claim, release, heldByOther, onMicrophoneChange } from './microphone.js';
import { Recorder } from './recorder.js';
import { Trend } from './trend.js';

const $ = (id) => document.getElementById(id);
let labels = [];
let maxUploadBytes = Infinity;
let shown = null;  // the analysis on show
let liveInfo = null;  // GET /api/model's "live": where the live socket is (absent: --no-live)

function setStatus(text, isError = false) {
  $('status').textContent = text;
  $('status').classList.toggle('error', isError);
}
const showError = (e) => setStatus(e.message || String(e), true);

// Says `text` to screen readers. A new element each time, so that the same words twice in a row
// are still read.
function announce(text) {
  const p = document.createElement('p');
  p.textContent = text;
  $('announcer').replaceChildren(p);
}

// "Angry, fairly sure" from the certainty level (older analyses have none: the percentage).
const SURE = { fairly_sure: 'fairly sure', leaning: 'leaning that way', not_sure: 'not sure' };
function verdict(analysis) {
  const word = emotionWord(analysis.predicted);
  const sure = analysis.certainty && SURE[analysis.certainty.level];
  return `${word[0].toUpperCase()}${word.slice(1)}, ${sure || `${percent(analysis.confidence)} likely`}`;
}

function show(analysis) {
  shown = analysis;
  $('result').hidden = false;
  $('result-title').textContent = emotionWord(analysis.predicted);
  $('result-detail').textContent =
    `${percent(analysis.confidence)} likely · ${clock(analysis.duration_s)} long · ${analysis.name} · ${when(analysis.created_at)}`;
  // How sure, in words, and what is wrong with the recording, when something is (older
  // analyses in the history have neither).
  const certainty = analysis.certainty;
  $('result-certainty').textContent = certainty ? certainty.text : '';
  $('result-certainty').dataset.level = certainty ? certainty.level : '';
  // How far to trust this model for a new voice, from its measured cross-corpus accuracy.
  $('result-reliability').textContent = analysis.reliability || '';
  $('result-reliability').hidden = !analysis.reliability;
  const warnings = (analysis.quality && analysis.quality.warnings) || [];
  $('result-warnings').replaceChildren(...warnings.map((w) => {
    const li = document.createElement('li');
    li.textContent = w.message;
    li.dataset.code = w.code;
    return li;
  }));
  $('result-warnings').hidden = warnings.length === 0;
  $('result-model').hidden = analysis.model !== 'personal';
  $('result-enrolled').hidden = !analysis.enrolled;
  feedback.show(analysis);
  $('player').src = audioUrl(analysis.id);
  drawCharts(analysis, labels);
  history.highlight(analysis.id);
  document.body.dataset.shown = analysis.id;  // for the end-to-end test
}

const feedback = new Feedback(
  {
    box: $('feedback'),
    right: $('feedback-right'),
    select: $('feedback-select'),
    save: $('feedback-save'),
    undo: $('feedback-undo'),
    status: $('feedback-status'),
  },
  {
    onSaved: (a) => {
      shown = a;
      announce(a.correction ? `Saved: ${emotionWord(a.correction.label)}.` : 'Your answer was taken back.');
      personal.refresh();  // one more (or one fewer) labelled analysis
      voice.refresh();  // the recordings it could enrol from
    },
    onError: (e) => showError(e),
  },
);

const personal = new PersonalPanel(
  {
    intro: $('personal-intro'),
    train: $('personal-train'),
    progress: $('personal-progress'),
    bar: $('personal-bar'),
    stage: $('personal-stage'),
    result: $('personal-result'),
    choice: $('personal-choice'),
    forget: $('personal-forget'),
    status: $('personal-status'),
  },
  { onError: (e) => showError(e) },
);

const voice = new VoicePanel(
  {
    intro: $('voice-intro'),
    reading: $('voice-reading'),
    prompt: $('voice-prompt'),
    record: $('voice-record'),
    time: $('voice-time'),
    history: $('voice-history'),
    forget: $('voice-forget'),
    status: $('voice-status'),
  },
  { onError: (e) => showError(e) },
);

const trend = new Trend();
const history = new History({
  onOpen: async (id) => {
    try {
      show(await getAnalysis(id));
      $('result').scrollIntoView({ behavior: reducedMotion() ? 'auto' : 'smooth', block: 'start' });
    } catch (e) {
      showError(e);
    }
  },
  // The result goes as soon as its row does (Undo does not bring it back: Open does).
  onRemoved: (a) => {
    if (shown && a.id === shown.id) {
      $('result').hidden = true;
      shown = null;
    }
    announce(`Deleted ${a.name}. Undo within ${UNDO_SECONDS} seconds.`);
  },
  onRestored: (a) => announce(`${a.name} is back in the history.`),
  onError: showError,
  onChange: (hidden) => trend.update(hidden),
});

// Analyses files one after the other and shows the last result; a file that fails is reported
// and skipped, the rest go on.
async function analyseFiles(files) {
  let last = null;
  const skipped = [];
  for (const [i, file] of files.entries()) {
    setStatus(files.length > 1 ? `Listening to ${file.name} (${i + 1} of ${files.length})…` : `Listening to ${file.name}…`);
    try {
      if (file.size > maxUploadBytes)
        throw new Error(`${file.name} is larger than the server accepts (${Math.floor(maxUploadBytes / 1048576)} MiB).`);
      last = await analyse(file, file.name);
    } catch (e) {
      skipped.push(e.message);
    }
  }
  await history.load();
  if (last) show(last);
  const done = files.length - skipped.length;
  if (last) announce(`Analysis done: ${verdict(last)}.${done > 1 ? ` ${done} recordings analysed, the last is shown.` : ''}`);
  if (skipped.length)
    setStatus(`${done ? `${done} analysed; ` : ''}${skipped.length === files.length && files.length === 1 ? '' : `${skipped.length} skipped: `}${skipped.join(' ')}`, true);
  else setStatus(done > 1 ? `${done} recordings analysed.` : '');
}

// The level meter, 0..1 (the recorder's and the live stream's).
function meter(level) {
  $('meter-fill').style.width = `${Math.round(level * 100)}%`;
  document.querySelector('.meter').setAttribute('aria-valuenow', Math.round(level * 100));
}

// Recording
const recorder = new Recorder({
  onLevel: meter,
  onTime: (s) => ($('timer').textContent = clock(s)),
  onLimit: () => toggleRecording(),
});

// The recording and live buttons are off while the other user holds the microphone (and while
// they are busy themselves: `busy` below).
const busy = { record: false, live: false };
function micButtons() {
  $('record').disabled = busy.record || heldByOther('record');
  $('live').disabled = busy.live || heldByOther('live');
}
onMicrophoneChange(micButtons);

async function toggleRecording() {
  const button = $('record');
  if (!recorder.recording) {
    if (!claim('record')) return;
    try {
      await recorder.start();
    } catch (e) {
      release('record');
      return showError(e);
    }
    button.classList.add('recording');
    button.setAttribute('aria-pressed', 'true');
    $('record-label').textContent = 'Stop and analyse';
    setStatus('Listening… speak naturally, then press stop.');
    return;
  }
  busy.record = true;
  micButtons();
  const { blob, name } = await recorder.stop();
  button.classList.remove('recording');
  button.setAttribute('aria-pressed', 'false');
  $('record-label').textContent = 'Start recording';
  await analyseFiles([new File([blob], name, { type: blob.type })]);
  busy.record = false;
  release('record');
  micButtons();
}

$('record').addEventListener('click', toggleRecording);

// Live: the emotion while the person speaks; on stop the recording is analysed and kept as one.
let live = null;
let liveView = null;
function liveEnded() {
  live = null;
  $('live-panel').hidden = true;
  $('live').setAttribute('aria-pressed', 'false');
  $('live-label').textContent = 'Go live';
  busy.live = false;
  release('live');
  micButtons();
  if (liveView) liveView.close();
  liveView = null;
}
async function startLive() {
  if (!claim('live')) return;
  liveView = new LiveView(labels);
  live = new LiveSession({
    onUpdate: (u) => {
      liveView.show(u);
      $('timer').textContent = clock(u.time_s);
      const said = liveView.spoken(u);
      if (said) announce(said);
    },
    // dBFS of the last 20 ms mapped as the recorder's meter: -60..0 dB to 0..1.
    onLevel: (rms) => meter(Math.min(1, Math.max(0, (20 * Math.log10(rms + 1e-6) + 60) / 60))),
    // The server takes no more audio: keep what was said, as Stop and keep would.
    onLimit: (message) => {
      setStatus(message);
      stopLive(true);
    },
    onError: (e) => {
      showError(e);
      liveEnded();
    },
  });
  $('timer').textContent = clock(0);
  try {
    await live.start(liveInfo);
  } catch (e) {
    showError(e);
    return liveEnded();
  }
  $('live-panel').hidden = false;
  $('live').setAttribute('aria-pressed', 'true');
  $('live-label').textContent = 'Live: press to stop and keep';
  setStatus('Live: speak, and watch how you sound.');
}
async function stopLive(keep) {
  if (!live) return;
  busy.live = true;
  micButtons();
  setStatus(keep ? 'Keeping the recording and its full analysis…' : '');
  try {
    const analysis = await live.stop(keep);
    liveEnded();
    if (analysis) {
      await history.load();
      show(analysis);
      announce(`Analysis done: ${verdict(analysis)}.`);
      setStatus('');
    }
  } catch (e) {
    liveEnded();
    showError(e);
  }
}
$('live').addEventListener('click', () => (live ? stopLive(true) : startLive()));
$('live-stop').addEventListener('click', () => stopLive(true));
$('live-discard').addEventListener('click', () => stopLive(false));

// Uploads: picker and drag and drop (anywhere on the page).
$('file-input').addEventListener('change', (e) => {
  const files = [...e.target.files];
  e.target.value = '';
  if (files.length) analyseFiles(files);
});
const zone = $('dropzone');
window.addEventListener('dragover', (e) => {
  e.preventDefault();
  zone.classList.add('over');
});
window.addEventListener('dragleave', (e) => {
  if (!e.relatedTarget) zone.classList.remove('over');
});
window.addEventListener('drop', (e) => {
  e.preventDefault();
  zone.classList.remove('over');
  const files = [...e.dataTransfer.files];
  if (files.length) analyseFiles(files);
});

// Downloads: the analysis on show, and the whole history.
$('export-one-csv').addEventListener('click', () =>
  shown && download(`${baseName(shown.name)}.csv`, analysisCsv(shown, labels), 'text/csv'));
$('export-one-json').addEventListener('click', () =>
  shown && download(`${baseName(shown.name)}.json`, `${JSON.stringify(shown, null, 2)}\n`, 'application/json'));
async function exportHistory(format) {
  try {
    const items = await wholeHistory(history.hiddenIds);
    if (format === 'csv') download('calmspace-history.csv', historyCsv(items), 'text/csv');
    else download('calmspace-history.json', `${JSON.stringify(items, null, 2)}\n`, 'application/json');
  } catch (e) {
    showError(e);
  }
}
$('export-all-csv').addEventListener('click', () => exportHistory('csv'));
$('export-all-json').addEventListener('click', () => exportHistory('json'));

// Dark mode, less motion or a phone-sized window: the charts are drawn again to suit.
onPrefsChange(() => {
  if (shown) drawCharts(shown, labels);
  trend.draw();
});

// The model card
$('about-model').addEventListener('click', async () => {
  try {
    const m = await getModel();
    const model = m.model || {};
    $('model-summary').textContent =
      `${m.source}: ${String(model.cell || '').toUpperCase()}, ${model.num_layers} ` +
      `${model.num_layers === 1 ? 'layer' : 'layers'} of ${model.hidden_size} units` +
      `${model.bidirectional ? ', bidirectional' : ''}. It tells apart: ${m.labels.map(emotionWord).join(', ')}.`;
    renderMarkdown($('model-card'), m.card || 'This model has no model card.');
    $('model-dialog').showModal();
  } catch (e) {
    showError(e);
  }
});

async function init() {
  if (!chartsReady()) setStatus('Chart.js did not load: the charts cannot be drawn.', true);
  try {
    const model = await getModel();
    labels = model.labels;
    liveInfo = model.live || null;
    setLabels(labels);
    feedback.setLabels(labels);
    maxUploadBytes = (await getHealth()).max_upload_bytes || Infinity;
  } catch (e) {
    showError(e);
  }
  await Promise.all([history.load(), personal.refresh(), voice.refresh()]);
  document.body.dataset.ready = 'true';
}

init();
