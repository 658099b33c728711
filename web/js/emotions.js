// Words and colours for the model's labels (RAVDESS names, and the other corpora's spellings).
//
// The colours are the CLI plots' (core/plot/figures.cpp, class_rgb()): a fixed Okabe-Ito colour
// per common emotion name, so the page and the gnuplot figures of `calmspace eval` / `predict`
// agree; any other label takes the CLI's cycle (core/plot/gnuplot.cpp, linetypes 1..8) by its
// place in the model's labels (setLabels()). tests/e2e/serve_page.mjs compares CLI_COLORS with
// the C++ source.
export const CLI_COLORS = {
  angry: '#D55E00', anger: '#D55E00',
  happy: '#E69F00', happiness: '#E69F00',
  sad: '#0072B2', sadness: '#0072B2',
  neutral: '#999999',
  calm: '#56B4E9',
  fearful: '#CC79A7', fear: '#CC79A7',
  disgust: '#009E73',
  surprised: '#F0E442', surprise: '#F0E442', ps: '#F0E442',
};
export const CLI_CYCLE = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#F0E442', '#777777'];

const WORDS = {
  anger: 'angry', happiness: 'happy', sadness: 'sad', fear: 'fearful',
  disgust: 'disgusted', surprise: 'surprised', ps: 'surprised',
};

let modelLabels = [];
// The model's labels in their order (GET /api/model), for the colours of unknown labels.
export function setLabels(labels) {
  modelLabels = labels || [];
}

export function emotionWord(label) {
  return WORDS[label] || label;
}

export function emotionColor(label) {
  if (CLI_COLORS[label]) return CLI_COLORS[label];
  const i = modelLabels.indexOf(label);
  return CLI_CYCLE[(i < 0 ? 7 : i) % CLI_CYCLE.length];
}

// Black or white, whichever reads better on `color` (#rrggbb): every CLI colour reaches 4.5:1
// with one of them (the least, #777777, 4.7:1 with black).
export function inkOn(color) {
  const lum = [1, 3, 5].map((i) => parseInt(color.slice(i, i + 2), 16) / 255)
    .map((v) => (v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4));
  const l = 0.2126 * lum[0] + 0.7152 * lum[1] + 0.0722 * lum[2];
  return (l + 0.05) / 0.05 >= 1.05 / (l + 0.05) ? '#000000' : '#ffffff';
}

// "0:07" from seconds.
export function clock(seconds) {
  const s = Math.max(0, Math.round(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

// "24 Nov, 14:05" in the viewer's time zone.
export function when(iso) {
  const d = new Date(iso);
  return d.toLocaleString(undefined, { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' });
}

export function percent(p) {
  return `${Math.round(p * 100)}%`;
}
