// One user of the microphone at a time among the page's three: the recording ("record"), the
// live view ("live") and the voice reading ("voice"). A user claims it before opening the
// microphone and releases it when done; every button that would open it again is disabled
// meanwhile (listeners are told each change).
let owner = null;
const listeners = [];

// True when `who` now holds the microphone (it was free or already theirs).
export function claim(who) {
  if (owner && owner !== who) return false;
  owner = who;
  listeners.forEach((f) => f(owner));
  return true;
}

export function release(who) {
  if (owner !== who) return;
  owner = null;
  listeners.forEach((f) => f(owner));
}

// True when someone other than `who` holds the microphone.
export const heldByOther = (who) => owner !== null && owner !== who;

export function onMicrophoneChange(f) {
  listeners.push(f);
}
