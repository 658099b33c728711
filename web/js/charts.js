// The charts of one analysis, drawn with Chart.js (window.Chart, from /vendor/chart.umd.js):
// probability bars, the mix as a pie, the emotion timeline (stacked areas over the window
// centres) with its segments below (a strip of stretches of one emotion, as the server merged
// them), and the waveform (min/max per point, drawn on a plain canvas). Colours follow the
// page's colour scheme, animation is off when the viewer asks for less motion, and on a phone the
// legends sit below the charts (prefs.js); the same numbers are also given as tables (tables.js).
import { emotionColor, emotionWord, clock, percent } from './emotions.js';
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

export function drawCharts(analysis, labels) {
  window.Chart.defaults.font = FONT;
  window.Chart.defaults.color = cssColor('--chart-ink');
  const grid = cssColor('--chart-grid');
  const animation = reducedMotion() ? false : { duration: 400 };
  const legendAt = phoneSized() ? 'bottom' : 'right';
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

  const timeline = analysis.timeline || [];
  document.getElementById('timeline-wrap').hidden = timeline.length === 0;
  document.getElementById('timeline-note').hidden = timeline.length > 0;
  if (charts['timeline-chart']) {
    charts['timeline-chart'].destroy();
    delete charts['timeline-chart'];
  }
  if (timeline.length) {
    document.getElementById('timeline-chart').setAttribute('aria-label',
      `Emotion over time, ${timeline.length} ${timeline.length === 1 ? 'window' : 'windows'} of the recording`);
    // One point per window at its centre; the first and last windows also stand for the edges,
    // so the chart spans the whole recording (0 .. duration).
    const points = [{ x: 0, s: timeline[0] }, ...timeline.map((s) => ({ x: (s.start_s + s.end_s) / 2, s })),
      { x: analysis.duration_s, s: timeline[timeline.length - 1] }];
    replace('timeline-chart', {
      type: 'line',
      // The segments strip below spans the same seconds as the plot area above it.
      plugins: [{ id: 'alignSegments', afterLayout: (chart) => alignSegments(chart) }],
      data: {
        datasets: labels.map((l, i) => ({
          label: words[i], data: points.map((p) => ({ x: p.x, y: (p.s.probabilities[l] ?? 0) * 100 })),
          borderColor: colors[i], backgroundColor: `${colors[i]}cc`, fill: true,
          pointRadius: 0, tension: 0.35, borderWidth: 1,
        })),
      },
      options: {
        maintainAspectRatio: false, animation,
        interaction: { mode: 'index', intersect: false },
        plugins: {
          legend: { position: legendAt, labels: { boxWidth: 12, boxHeight: 12, usePointStyle: true } },
          tooltip: { callbacks: { title: (items) => `around ${clock(items[0].parsed.x)}`, label: (c) => ` ${c.dataset.label}: ${c.parsed.y.toFixed(0)}%` } },
        },
        scales: {
          x: { type: 'linear', min: 0, max: analysis.duration_s, title: { display: true, text: 'seconds' }, grid: { color: grid } },
          y: { stacked: true, min: 0, max: 100, ticks: { callback: (v) => `${v}%` }, grid: { color: grid } },
        },
      },
    });
  }
  drawSegments(document.getElementById('segments'), analysis.segments || [], analysis.duration_s);
  drawWaveform(document.getElementById('waveform'), analysis.waveform, emotionColor(analysis.predicted), grid);
}

function alignSegments(chart) {
  const list = document.getElementById('segments');
  list.style.marginLeft = `${chart.chartArea.left}px`;
  list.style.marginRight = `${chart.width - chart.chartArea.right}px`;
}

// One block per segment, its width its share of the recording; the word where it fits, and the
// times and confidence in its title.
function drawSegments(list, segments, duration) {
  list.replaceChildren();
  list.hidden = segments.length === 0;
  for (const s of segments) {
    const item = document.createElement('li');
    const share = (s.end_s - s.start_s) / Math.max(duration, 1e-9);
    item.style.width = `${(share * 100).toFixed(3)}%`;
    item.style.background = emotionColor(s.emotion);
    const text = `${clock(s.start_s)}–${clock(s.end_s)} ${emotionWord(s.emotion)} (${Math.round(s.confidence * 100)}%)`;
    item.title = text;
    item.setAttribute('aria-label', text);
    if (share > 0.08) item.textContent = emotionWord(s.emotion);
    list.append(item);
  }
}

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
