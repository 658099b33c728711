// What the viewer's browser asks of the page: less motion, a dark or light scheme, a phone-sized
// window. The charts are drawn for these (charts.js), so a change calls onChange to redraw them.
const REDUCED = window.matchMedia('(prefers-reduced-motion: reduce)');
const DARK = window.matchMedia('(prefers-color-scheme: dark)');
// Matches the phone @media width in style.css (the chart legends go below the charts).
const PHONE = window.matchMedia('(max-width: 600px)');

export const reducedMotion = () => REDUCED.matches;
export const phoneSized = () => PHONE.matches;

// A colour from style.css's variables (they change with the colour scheme).
export const cssColor = (name) => getComputedStyle(document.documentElement).getPropertyValue(name).trim();

export function onPrefsChange(onChange) {
  for (const query of [REDUCED, DARK, PHONE]) query.addEventListener('change', onChange);
}
