// The trend over the history: a dot per analysis (the latest 100, GET /api/analyses?limit=100) on
// a time axis, at the confidence of its prediction and in its emotion's colour, one legend entry
// per emotion; and the same analyses as a table. Shown only when there are at least two.
// Analyses deleted on the page but not yet on the server (Undo still possible) are left out.
import { listAnalyses } from './api.js';
import { chartStyle } from './charts.js';
import { emotionColor, emotionWord, percent, when } from './emotions.js';
import { cssColor, phoneSized } from './prefs.js';

const LIMIT = 100;
const $ = (id) => document.getElementById(id);

// A step between time ticks (ms) a person would pick, giving at most `count` ticks over `range`.
const STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200,
  86400, 172800, 604800, 1209600, 2592000, 7776000, 31536000].map((s) => s * 1000);
const tickStep = (range, count) => STEPS.find((s) => range / s <= count) ?? range / count;

// Ticks `step` ms apart over min..max, on whole seconds, minutes, hours or days of the viewer's clock.
function timeTicks(min, max, step) {
  let t;
  if (step < 3600e3) {
    t = Math.ceil(min / step) * step;
  } else {
    const midnight = new Date(min);
    midnight.setHours(0, 0, 0, 0);
    t = midnight.getTime() + Math.ceil((min - midnight.getTime()) / step) * step;
  }
  const ticks = [];
  for (; t <= max; t += step) ticks.push({ value: t });
  return ticks;
}

// Tick labels for ticks `step` ms apart: the time of day (with seconds for steps under a minute),
// or the date for steps of a day or more.
function tickFormat(step) {
  if (step >= 86400e3) return { day: 'numeric', month: 'short' };
  if (step >= 60e3) return { hour: '2-digit', minute: '2-digit' };
  return { hour: '2-digit', minute: '2-digit', second: '2-digit' };
}

export class Trend {
  constructor() {
    this.items = [];
    this.total = 0;
    this.hidden = new Set();
    this.chart = null;
    this.asked = 0;  // the latest request: an older answer arriving late is dropped
  }

  // Fetches the latest analyses again and draws them; `hidden`: ids to leave out.
  async update(hidden = new Set()) {
    const asked = ++this.asked;
    try {
      const page = await listAnalyses(LIMIT, 0);
      if (asked !== this.asked) return;
      this.items = page.items;
      this.total = page.total;
      this.hidden = hidden;
      this.draw();
    } catch {
      // The history reports the server's errors; the trend just keeps what it has.
    }
  }

  // Draws the chart and fills the table (again, e.g. for a new colour scheme or width).
  draw() {
    const items = this.items.filter((a) => !this.hidden.has(a.id));
    const box = $('trend');
    box.hidden = items.length < 2;
    if (this.chart) {
      this.chart.destroy();
      this.chart = null;
    }
    $('trend-table').tBodies[0].replaceChildren(...items.map((a) => {
      const tr = document.createElement('tr');
      const cells = [when(a.created_at), emotionWord(a.predicted), percent(a.confidence), a.name];
      tr.append(...cells.map((text, i) => {
        const c = document.createElement(i === 0 ? 'th' : 'td');
        if (i === 0) c.scope = 'row';
        if (i === 1) c.className = 'emotion';
        c.textContent = text;
        if (i === 3) c.title = text;
        return c;
      }));
      return tr;
    }));
    if (box.hidden || typeof window.Chart !== 'function') return;

    const { grid, animation, legendAt } = chartStyle();
    const times = items.map((a) => Date.parse(a.created_at));
    const first = Math.min(...times), last = Math.max(...times);
    const pad = last > first ? (last - first) * 0.08 : 60e3;
    const step = tickStep(last - first + 2 * pad, phoneSized() ? 3 : 5);
    const format = tickFormat(step);
    // One dataset per emotion, in the order they first appear (oldest first): the legend names them.
    const byEmotion = new Map();
    for (const a of [...items].reverse()) {
      if (!byEmotion.has(a.predicted)) byEmotion.set(a.predicted, []);
      byEmotion.get(a.predicted).push({ x: Date.parse(a.created_at), y: a.confidence * 100, a });
    }
    const more = this.total - this.hidden.size > items.length ? `, the latest ${items.length}` : '';
    $('trend-caption').textContent = `Your analyses over time${more}`;
    const counts = [...byEmotion].map(([e, points]) => `${emotionWord(e)} ${points.length}`).join(', ');
    $('trend-chart').setAttribute('aria-label',
      `Your ${items.length} analyses over time, how sure each was, by feeling: ${counts}`);
    const edge = cssColor('--chart-ink');  // a rim, so that light colours show on a light card
    this.chart = new window.Chart($('trend-chart'), {
      type: 'scatter',
      data: {
        datasets: [...byEmotion].map(([emotion, points]) => ({
          label: emotionWord(emotion), data: points,
          backgroundColor: emotionColor(emotion), borderColor: edge, borderWidth: 1,
          pointRadius: 5, pointHoverRadius: 7,
        })),
      },
      options: {
        maintainAspectRatio: false, animation,
        plugins: {
          legend: { position: legendAt, labels: { boxWidth: 10, boxHeight: 10, usePointStyle: true } },
          tooltip: {
            callbacks: {
              title: (its) => when(its[0].raw.a.created_at),
              label: (c) => ` ${c.dataset.label}, ${percent(c.raw.a.confidence)}: ${c.raw.a.name}`,
            },
          },
        },
        scales: {
          x: {
            type: 'linear', min: first - pad, max: last + pad, grid: { color: grid },
            afterBuildTicks: (axis) => { axis.ticks = timeTicks(axis.min, axis.max, step); },
            ticks: { maxRotation: 0, callback: (v) => new Date(v).toLocaleString(undefined, format) },
          },
          y: { min: 0, max: 100, title: { display: true, text: 'how sure' }, grid: { color: grid },
            ticks: { stepSize: 25, callback: (v) => `${v}%` } },
        },
      },
    });
  }
}
