// The charts of one analysis, drawn with Chart.js (window.Chart, from /vendor/chart.umd.js):
// probability bars, the mix as a pie, the emotion timeline and the waveform (min/max per point,
// drawn on a plain canvas). Colours are the CLI plots' (emotions.js) and follow the page's colour
// scheme, animation is off when the viewer asks for less motion, and on a phone the legends sit
// below the charts (prefs.js); the same numbers are also given as tables (tables.js).
//
// The timeline is drawn as the CLI's (core/plot/figures.cpp, emotion_timeline): each window's
// probabilities, stacked, as a flat step over the time nearest its centre (half-way to its
// neighbours' centres; the first from its start, the last to its end), never smoothed between
// windows. Under it, the "most likely" band: one cell per window over the same seconds, coloured
// by the window's most likely emotion, its runs named. A playhead (a vertical line on the chart
// and on the band) follows the player's currentTime, every animation frame while it plays or,
// with less motion, on each timeupdate; a click on the chart or the band seeks the player there
// (keyboard users seek with the player's own slider). The canvas exposes the playhead as
// data-playhead-s and data-playhead-x (CSS pixels) for the end-to-end test.
import { emotionColor, emotionWord, inkOn, percent } from './emotions.js';
import { cssColor, phoneSized, reducedMotion } from './prefs.js';
import { fillTables } from './tables.js';

const charts = {};
const FONT = { family: getComputedStyle(document.documentElement).fontFamily, size: 12 };

function replace(id, config) {
  if (charts[id]) charts[id].destroy();
  charts[id] = new window.Chart(document.getElementById(id), config);
}

export function chartsReady() {
  return typeof window.Chart === 'function';
}

// The charts' look for the viewer's preferences now (trend.js draws with it too).
export function chartStyle() {
  window.Chart.defaults.font = FONT;
  window.Chart.defaults.color = cssColor('--chart-ink');
  return {
    grid: cssColor('--chart-grid'),
    animation: reducedMotion() ? false : { duration: 400 },
    legendAt: phoneSized() ? 'bottom' : 'right',
  };
}

export function drawCharts(analysis, labels) {
  const { grid, animation, legendAt } = chartStyle();
  const probs = labels.map((l) => analysis.probabilities[l] ?? 0);
  const colors = labels.map(emotionColor);
  const words = labels.map(emotionWord);
  // The canvases' own names sum up what they show; the tables below them hold every number.
  const top = [...labels].sort((a, b) => (analysis.probabilities[b] ?? 0) - (analysis.probabilities[a] ?? 0)).slice(0, 3);
  const summary = top.map((l) => `${emotionWord(l)} ${percent(analysis.probabilities[l] ?? 0)}`).join(', ');
  document.getElementById('bar-chart').setAttribute('aria-label', `Probability of each emotion, most likely ${summary}`);
  document.getElementById('pie-chart').setAttribute('aria-label', `Emotion mix, most likely ${summary}`);
  fillTables(analysis, labels);

  replace('bar-chart', {
    type: 'bar',
    data: { labels: words, datasets: [{ data: probs.map((p) => p * 100), backgroundColor: colors, borderRadius: 6, maxBarThickness: 22 }] },
    options: {
      indexAxis: 'y', maintainAspectRatio: false, animation,
      plugins: { legend: { display: false }, tooltip: { callbacks: { label: (c) => ` ${c.parsed.x.toFixed(1)}%` } } },
      scales: {
        x: { min: 0, max: 100, ticks: { callback: (v) => `${v}%` }, grid: { color: grid } },
        y: { grid: { display: false } },
      },
    },
  });

  replace('pie-chart', {
    type: 'pie',
    data: { labels: words, datasets: [{ data: probs, backgroundColor: colors, borderColor: cssColor('--card'), borderWidth: 2 }] },
    options: {
      maintainAspectRatio: false, animation,
      plugins: {
        legend: { position: legendAt, labels: { boxWidth: 12, boxHeight: 12, usePointStyle: true } },
        tooltip: { callbacks: { label: (c) => ` ${c.label}: ${(c.parsed * 100).toFixed(1)}%` } },
      },
    },
  });

  drawTimeline(analysis, labels, { colors, words, grid, animation, legendAt });
  drawWaveform(document.getElementById('waveform'), analysis.waveform, emotionColor(analysis.predicted), grid);
}

// Each window's span on the time axis: from half-way between its centre and the previous one's to
// half-way to the next one's (the first from its start, the last to its end), as the CLI draws it.
export function windowSpans(timeline) {
  const centre = (w) => (w.start_s + w.end_s) / 2;
  return timeline.map((w, k) => ({
    from: k === 0 ? w.start_s : (centre(timeline[k - 1]) + centre(w)) / 2,
    to: k + 1 === timeline.length ? w.end_s : (centre(w) + centre(timeline[k + 1])) / 2,
    window: w,
  }));
}

// What the timeline shows now: its spans and its length in seconds (for the band and seeking).
let shownTimeline = { spans: [], end: 0 };

function drawTimeline(analysis, labels, { colors, words, grid, animation, legendAt }) {
  const timeline = analysis.timeline || [];
  document.getElementById('timeline-wrap').hidden = timeline.length === 0;
  document.getElementById('band-box').hidden = timeline.length === 0;
  document.getElementById('timeline-seek-hint').hidden = timeline.length === 0;
  document.getElementById('timeline-note').hidden = timeline.length > 0;
  if (charts['timeline-chart']) {
    charts['timeline-chart'].destroy();
    delete charts['timeline-chart'];
  }
  const spans = windowSpans(timeline);
  const end = timeline.length ? Math.max(analysis.duration_s, timeline[timeline.length - 1].end_s) : analysis.duration_s;
  shownTimeline = { spans, end };
  drawBand(spans, end);
  if (!timeline.length) return;
  const size = timeline[0].end_s - timeline[0].start_s;
  document.getElementById('timeline-chart').setAttribute('aria-label',
    `Emotion over time: ${timeline.length} ${timeline.length === 1 ? 'window' : 'windows'} of ${size.toFixed(0)} seconds, ` +
    'each a step of stacked probabilities; click to play from there');
  // A point at the start of each window's span, holding until the next ('before': the line runs
  // flat at this value, then steps), and one more at the end of the last span.
  const last = spans[spans.length - 1];
  const points = [...spans.map((s) => ({ x: s.from, w: s.window })), { x: last.to, w: last.window }];
  replace('timeline-chart', {
    type: 'line',
    plugins: [
      // The band below spans the same seconds as the plot area above it.
      { id: 'alignBand', afterLayout: (chart) => alignBand(chart) },
      playheadPlugin,
    ],
    data: {
      datasets: labels.map((l, i) => ({
        label: words[i], data: points.map((p) => ({ x: p.x, y: (p.w.probabilities[l] ?? 0) * 100 })),
        // Each band filled down to the one below it (not to 0, which would blend the colours), 90%
        // opaque like the CLI's.
        borderColor: colors[i], backgroundColor: `${colors[i]}e6`, fill: i === 0 ? 'origin' : '-1',
        pointRadius: 0, pointHitRadius: 0, stepped: 'before', tension: 0, borderWidth: 1,
      })),
    },
    options: {
      maintainAspectRatio: false, animation,
      layout: { padding: { top: 6 } },  // room for the playhead's triangle
      interaction: { mode: 'window', intersect: false },
      onClick: (event, elements, chart) => {
        const { left, right } = chart.chartArea;
        if (event.x >= left && event.x <= right) seek(chart.scales.x.getValueForPixel(event.x));
      },
      onHover: (event, elements, chart) => {
        const { left, right, top, bottom } = chart.chartArea;
        const inside = event.x >= left && event.x <= right && event.y >= top && event.y <= bottom;
        chart.canvas.style.cursor = inside ? 'pointer' : '';
      },
      plugins: {
        legend: { position: legendAt, labels: { boxWidth: 12, boxHeight: 12, usePointStyle: true } },
        tooltip: {
          callbacks: {
            title: (items) => {
              const w = spans[Math.min(items[0].dataIndex, spans.length - 1)].window;
              return `${w.start_s.toFixed(1)}–${w.end_s.toFixed(1)} s: ${emotionWord(w.predicted)}`;
            },
            label: (c) => ` ${c.dataset.label}: ${(spans[Math.min(c.dataIndex, spans.length - 1)].window.probabilities[labels[c.datasetIndex]] * 100).toFixed(0)}%`,
          },
        },
      },
      scales: {
        x: { type: 'linear', min: 0, max: end, title: { display: true, text: 'seconds' }, grid: { color: grid } },
        y: { stacked: true, min: 0, max: 100, ticks: { callback: (v) => `${v}%` }, grid: { color: grid } },
      },
    },
  });
}

// Tooltips over the timeline name the window under the pointer (the step it is on), not the
// nearest point, which may be the next window's start.
if (window.Chart) {
  window.Chart.Interaction.modes.window = (chart, event) => {
    const t = chart.scales.x.getValueForPixel(event.x);
    const { spans } = shownTimeline;
    if (!spans.length || chart.canvas.id !== 'timeline-chart') return [];
    let k = spans.findIndex((s) => t < s.to);
    if (k < 0) k = spans.length - 1;
    return chart.data.datasets.map((d, i) => ({ element: chart.getDatasetMeta(i).data[k], datasetIndex: i, index: k }))
      .filter((item) => item.element);
  };
}

function alignBand(chart) {
  const box = document.getElementById('band-box');
  box.style.marginLeft = `${chart.chartArea.left}px`;
  box.style.marginRight = `${chart.width - chart.chartArea.right}px`;
  fitBandLabels();
}

// The band: a cell per window, each as wide as its span, coloured by the window's most likely
// emotion; runs of one emotion are one list item (what a screen reader reads), its word written
// on it where it fits, in black or white, whichever contrasts more (emotions.js inkOn()).
function drawBand(spans, end) {
  const list = document.getElementById('band-runs');
  const ticks = document.getElementById('band-ticks');
  list.replaceChildren();
  ticks.replaceChildren();
  const share = (s) => `${((s / Math.max(end, 1e-9)) * 100).toFixed(4)}%`;
  const runs = [];
  for (const s of spans) {
    const run = runs[runs.length - 1];
    if (run && run.emotion === s.window.predicted) {
      run.to = s.to;
      run.windows += 1;
    } else {
      runs.push({ emotion: s.window.predicted, from: s.from, to: s.to, windows: 1 });
    }
  }
  for (const r of runs) {
    const item = document.createElement('li');
    const color = emotionColor(r.emotion);
    item.style.left = share(r.from);
    item.style.width = share(r.to - r.from);
    item.style.background = color;
    item.dataset.emotion = r.emotion;
    item.dataset.windows = r.windows;
    const text = `${r.from.toFixed(1)}–${r.to.toFixed(1)} s: ${emotionWord(r.emotion)} (${r.windows} ${r.windows === 1 ? 'window' : 'windows'})`;
    item.title = text;
    item.setAttribute('aria-label', text);
    const word = document.createElement('span');
    word.textContent = emotionWord(r.emotion);
    word.style.color = inkOn(color);
    word.style.background = color;
    item.append(word);
    list.append(item);
  }
  // A thin line where one window's span gives way to the next (one cell per window hop).
  for (const s of spans.slice(1)) {
    const tick = document.createElement('i');
    tick.style.left = share(s.from);
    ticks.append(tick);
  }
  document.getElementById('band').dataset.windows = spans.length;
  placeBandPlayhead();
}

// A run's word is shown only when it fits on the run.
function fitBandLabels() {
  for (const item of document.querySelectorAll('#band-runs li')) {
    const word = item.firstElementChild;
    word.classList.toggle('clipped', word.offsetWidth > item.clientWidth - 2);
  }
}

// The playhead.
const player = document.getElementById('player');
const playerTime = () => (Number.isFinite(player.currentTime) ? player.currentTime : 0);

const playheadPlugin = {
  id: 'playhead',
  afterDatasetsDraw(chart) {
    const t = playerTime();
    const { left, right, top, bottom } = chart.chartArea;
    const x = chart.scales.x.getPixelForValue(Math.min(t, chart.scales.x.max));
    chart.canvas.dataset.playheadS = t.toFixed(3);
    chart.canvas.dataset.playheadX = x.toFixed(1);
    if (x < left - 1 || x > right + 1) return;
    const g = chart.ctx;
    g.save();
    g.strokeStyle = cssColor('--ink');
    g.fillStyle = cssColor('--ink');
    g.lineWidth = 2;
    g.beginPath();
    g.moveTo(x, top);
    g.lineTo(x, bottom);
    g.stroke();
    g.beginPath();  // a small triangle on top, so the line reads as a marker, not a grid line
    g.moveTo(x - 5, top - 6);
    g.lineTo(x + 5, top - 6);
    g.lineTo(x, top);
    g.closePath();
    g.fill();
    g.restore();
  },
};

function placeBandPlayhead() {
  const head = document.getElementById('band-playhead');
  const { end } = shownTimeline;
  head.style.left = `${((Math.min(playerTime(), end) / Math.max(end, 1e-9)) * 100).toFixed(4)}%`;
}

function syncPlayhead() {
  charts['timeline-chart']?.draw();
  placeBandPlayhead();
}

// While the player plays: every animation frame, unless the viewer asks for less motion (then the
// player's timeupdate events, a few a second, move it).
let frame = 0;
function followPlayback() {
  cancelAnimationFrame(frame);
  if (player.paused || player.ended || reducedMotion()) return;
  syncPlayhead();
  frame = requestAnimationFrame(followPlayback);
}
for (const type of ['timeupdate', 'seeking', 'seeked', 'loadedmetadata', 'durationchange', 'emptied', 'pause', 'ended'])
  player.addEventListener(type, syncPlayhead);
player.addEventListener('play', followPlayback);
player.addEventListener('playing', followPlayback);

// Seeks the player to `t` seconds of the timeline (before the audio has loaded, the browser keeps
// it as the start position).
function seek(t) {
  player.currentTime = Math.max(0, Math.min(t, shownTimeline.end));
  syncPlayhead();
}

document.getElementById('band').addEventListener('click', (event) => {
  const box = event.currentTarget.getBoundingClientRect();
  if (box.width > 0) seek(((event.clientX - box.left) / box.width) * shownTimeline.end);
});

// Vertical min..max strokes, one per point, centred on a faint axis.
function drawWaveform(canvas, waveform, color, axisColor) {
  const ratio = window.devicePixelRatio || 1;
  const width = canvas.clientWidth, height = canvas.clientHeight;
  canvas.width = Math.round(width * ratio);
  canvas.height = Math.round(height * ratio);
  const g = canvas.getContext('2d');
  g.scale(ratio, ratio);
  g.clearRect(0, 0, width, height);
  g.strokeStyle = axisColor;
  g.beginPath();
  g.moveTo(0, height / 2);
  g.lineTo(width, height / 2);
  g.stroke();
  if (!waveform || !waveform.points) return;
  const n = waveform.points;
  const peak = Math.max(0.05, ...waveform.max.map(Math.abs), ...waveform.min.map(Math.abs));
  const scale = (height / 2 - 2) / peak;
  g.strokeStyle = color;
  g.lineWidth = Math.max(1, width / n * 0.8);
  g.beginPath();
  for (let i = 0; i < n; i++) {
    const x = (i + 0.5) * width / n;
    g.moveTo(x, height / 2 - waveform.max[i] * scale);
    g.lineTo(x, height / 2 - Math.min(waveform.min[i], waveform.max[i] - 1 / scale) * scale);
  }
  g.stroke();
}
