// A message at the bottom of the window with one button ("Deleted x.wav. Undo"). Screen readers
// hear the message through the page's announcer (app.js), not from here: a live region that is
// hidden between messages is not read reliably.
const box = document.getElementById('toast');
const text = document.getElementById('toast-text');
const button = document.getElementById('toast-action');
let action = null;

// The action may move focus itself (Undo puts it back on the restored row); else hideToast does.
button.addEventListener('click', () => {
  const run = action;
  action = null;
  if (run) run();
  hideToast();
});

// Shows `message` with a button labelled `label` that calls `onAction`. When keyboard focus was
// on something that has just gone (the Delete button of a removed row), it moves to the button.
export function showToast(message, label, onAction) {
  text.textContent = message;
  button.textContent = label;
  action = onAction;
  box.hidden = false;
  if (document.activeElement === document.body || !document.activeElement?.isConnected) button.focus();
}

// Focus that was in the toast goes to `focusAfter` (else it would be lost with the toast).
export function hideToast(focusAfter = document.getElementById('history-title')) {
  const hadFocus = box.contains(document.activeElement);
  box.hidden = true;
  action = null;
  if (hadFocus && focusAfter) focusAfter.focus();
}
