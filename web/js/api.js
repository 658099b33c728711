// The CalmSpace JSON API. Every failure throws an Error carrying the server's message.
async function call(path, options = {}) {
  let response;
  try {
    response = await fetch(path, options);
  } catch (e) {
    throw new Error('The CalmSpace server cannot be reached. Is it still running?');
  }
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(body.error || `The server answered ${response.status}.`);
  return body;
}

export function analyse(blob, name) {
  const form = new FormData();
  form.append('audio', blob, name);
  return call('/api/analyses', { method: 'POST', body: form });
}

export const listAnalyses = (limit, offset) => call(`/api/analyses?limit=${limit}&offset=${offset}`);
export const getAnalysis = (id) => call(`/api/analyses/${encodeURIComponent(id)}`);
// { keepalive: true } lets the request finish after the page is gone.
export const deleteAnalysis = (id, { keepalive = false } = {}) =>
  call(`/api/analyses/${encodeURIComponent(id)}`, { method: 'DELETE', keepalive });
// The person's label for an analysis (its prediction: "right"), and taking it back.
export const setLabel = (id, label) =>
  call(`/api/analyses/${encodeURIComponent(id)}/label`, {
    method: 'PUT',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ label }),
  });
export const clearLabel = (id) =>
  call(`/api/analyses/${encodeURIComponent(id)}/label`, { method: 'DELETE' });
export const audioUrl = (id) => `/api/analyses/${encodeURIComponent(id)}/audio`;
export const getModel = () => call('/api/model');
export const getHealth = () => call('/health');
// The person's own model (personal_routes.h): status, start a training, choose, delete.
export const getPersonal = () => call('/api/personal');
export const trainPersonal = () => call('/api/personal/train', { method: 'POST' });
export const usePersonal = (model) =>
  call('/api/personal/active', {
    method: 'PUT',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ model }),
  });
export const forgetPersonal = () => call('/api/personal', { method: 'DELETE' });
// The person's voice (voice_routes.h): status, enrol from a reading, forget.
export const getVoice = () => call('/api/voice');
export function enrolVoice(blob, name) {
  const form = new FormData();
  form.append('audio', blob, name);
  return call('/api/voice', { method: 'POST', body: form });
}
export const enrolVoiceFromHistory = (analyses) =>
  call('/api/voice', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ analyses }),
  });
export const forgetVoice = () => call('/api/voice', { method: 'DELETE' });
