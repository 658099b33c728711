// Words and colours for the model's labels (RAVDESS names); unknown labels get a neutral grey.
const KNOWN = {
  neutral: { word: 'neutral', color: '#9aa5b1' },
  calm: { word: 'calm', color: '#5fae9c' },
  happy: { word: 'happy', color: '#f2c14e' },
  sad: { word: 'sad', color: '#6c8ebf' },
  angry: { word: 'angry', color: '#e07a5f' },
  fearful: { word: 'fearful', color: '#9b89c4' },
  fear: { word: 'fearful', color: '#9b89c4' },
  disgust: { word: 'disgusted', color: '#8fae6b' },
  surprised: { word: 'surprised', color: '#f29e6d' },
  ps: { word: 'surprised', color: '#f29e6d' },
};

export function emotionWord(label) {
  return (KNOWN[label] || { word: label }).word;
}

export function emotionColor(label) {
  return (KNOWN[label] || { color: '#b7c0c7' }).color;
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
