// The live panel: the emotion of the last few seconds in a large word with how sure the model is,
// the whole stream so far in a line under it, and a chart of each emotion's probability over the
// last 30 s, scrolling as updates come (Chart.js, no animation: an update every 250 ms). The
// panel's data-updates counts the updates shown (for the end-to-end test).
import { chartStyle } from './charts.js';
import { clock, emotionColor, emotionWord, percent } from './emotions.js';

const SPAN_S = 30;
const $ = (id) => document.getElementById(id);

export class LiveView {
  constructor(labels) {
    this.labels = labels;
    this.updates = 0;
    this.lastSaid = '';
    const { grid, legendAt } = chartStyle();
    const existing = window.Chart.getChart('live-chart');
    if (existing) existing.destroy();
    this.chart = new window.Chart($('live-chart'), {
      type: 'line',
      data: {
        datasets: labels.map((l) => ({
          label: emotionWord(l), data: [], borderColor: emotionColor(l), backgroundColor: emotionColor(l),
          borderWidth: 2, pointRadius: 0, tension: 0,
        })),
      },
      options: {
        animation: false, maintainAspectRatio: false, parsing: false, normalized: true,
        scales: {
          x: { type: 'linear', min: 0, max: SPAN_S, title: { display: true, text: 'seconds' }, grid: { color: grid } },
          y: { min: 0, max: 1, title: { display: true, text: 'probability' }, grid: { color: grid } },
        },
        plugins: { legend: { position: legendAt }, tooltip: { enabled: false } },
      },
    });
    $('live-panel').dataset.updates = '0';
    $('live-word').textContent = '…';
    $('live-sure').textContent = 'Listening';
    $('live-so-far').textContent = '';
    $('live-time').textContent = '0:00';
  }

  // One update of the live socket ({ time_s, window, so_far, final }).
  show(u) {
    $('live-time').textContent = clock(u.time_s);
    if (u.window) {
      const w = u.window;
      $('live-word').textContent = emotionWord(w.predicted);
      $('live-word').style.setProperty('--live-color', emotionColor(w.predicted));
      $('live-sure').textContent = `${w.certainty.text} · ${percent(w.confidence)} in the last ${Math.round(u.time_s - w.start_s)} s`;
      this.chart.data.datasets.forEach((d, i) => {
        d.data.push({ x: u.time_s, y: w.probabilities[this.labels[i]] });
        while (d.data.length && d.data[0].x < u.time_s - SPAN_S) d.data.shift();
      });
      const x = this.chart.options.scales.x;
      x.max = Math.max(SPAN_S, u.time_s);
      x.min = x.max - SPAN_S;
      this.chart.update('none');
    }
    if (u.so_far)
      $('live-so-far').textContent =
        `${u.final ? 'The whole recording' : 'So far'}: ${emotionWord(u.so_far.predicted)} (${percent(u.so_far.confidence)})`;
    $('live-panel').dataset.updates = String(++this.updates);
  }

  // What a screen reader hears: the emotion now, only when it changes.
  spoken(u) {
    if (!u.window || u.window.predicted === this.lastSaid) return '';
    this.lastSaid = u.window.predicted;
    return `Now: ${emotionWord(u.window.predicted)}`;
  }

  close() {
    this.chart.destroy();
  }
}
