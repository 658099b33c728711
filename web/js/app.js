// The CalmSpace page: record or upload, see the analysis as charts, browse the history.
import { analyse, getAnalysis, audioUrl, getModel, getHealth } from './api.js';
import { chartsReady, drawCharts } from './charts.js';
import { emotionWord, clock, when, percent } from './emotions.js';
import { History } from './history.js';
import { renderMarkdown } from './markdown.js';
import { Recorder } from './recorder.js';

const $ = (id) => document.getElementById(id);
let labels = [];
let maxUploadBytes = Infinity;
let shownId = null;

function setStatus(text, isError = false) {
  $('status').textContent = text;
  $('status').classList.toggle('error', isError);
}
const showError = (e) => setStatus(e.message || String(e), true);

function show(analysis) {
  shownId = analysis.id;
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
  $('player').src = audioUrl(analysis.id);
  drawCharts(analysis, labels);
  history.highlight(analysis.id);
  document.body.dataset.shown = analysis.id;  // for the end-to-end test
}

const history = new History({
  onOpen: async (id) => {
    try {
      show(await getAnalysis(id));
      $('result').scrollIntoView({ behavior: 'smooth', block: 'start' });
    } catch (e) {
      showError(e);
    }
  },
  onDeleted: (id) => {
    if (id === shownId) {
      $('result').hidden = true;
      shownId = null;
    }
    setStatus('Deleted.');
  },
  onError: showError,
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
  if (skipped.length)
    setStatus(`${done ? `${done} analysed; ` : ''}${skipped.length === files.length && files.length === 1 ? '' : `${skipped.length} skipped: `}${skipped.join(' ')}`, true);
  else setStatus(done > 1 ? `${done} recordings analysed.` : '');
}

// Recording
const recorder = new Recorder({
  onLevel: (level) => {
    $('meter-fill').style.width = `${Math.round(level * 100)}%`;
    document.querySelector('.meter').setAttribute('aria-valuenow', Math.round(level * 100));
  },
  onTime: (s) => ($('timer').textContent = clock(s)),
  onLimit: () => toggleRecording(),
});

async function toggleRecording() {
  const button = $('record');
  if (!recorder.recording) {
    try {
      await recorder.start();
    } catch (e) {
      return showError(e);
    }
    button.classList.add('recording');
    button.setAttribute('aria-pressed', 'true');
    $('record-label').textContent = 'Stop and analyse';
    setStatus('Listening… speak naturally, then press stop.');
    return;
  }
  button.disabled = true;
  const { blob, name } = await recorder.stop();
  button.classList.remove('recording');
  button.setAttribute('aria-pressed', 'false');
  $('record-label').textContent = 'Start recording';
  await analyseFiles([new File([blob], name, { type: blob.type })]);
  button.disabled = false;
}

$('record').addEventListener('click', toggleRecording);

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
    labels = (await getModel()).labels;
    maxUploadBytes = (await getHealth()).max_upload_bytes || Infinity;
  } catch (e) {
    showError(e);
  }
  await history.load();
  document.body.dataset.ready = 'true';
}

init();
