// "Your own model" (issue 25): once enough analyses are labelled ("Was this right?"), the person
// can have CalmSpace learn from them. The training runs on the server in the background; this
// panel asks how it goes every second while it runs, then shows how the standard model and the
// person's own did on their recordings that the training did not see, and lets them choose which
// one analyses new recordings, or delete their own (GET/POST/PUT/DELETE /api/personal).
import { getPersonal, trainPersonal, usePersonal, forgetPersonal } from './api.js';

const STAGES = {
  exporting: 'Gathering your labelled recordings…',
  preparing: 'Preparing them…',
  training: 'Learning',
  comparing: 'Checking it on the recordings it did not learn from…',
};

const plural = (n, one, many) => `${n} ${n === 1 ? one : many}`;

export class PersonalPanel {
  // `els`: { intro, train, progress, bar, stage, result, choice, forget, status }; `onError(e)`.
  // What changes is said in `status` (a polite live region), once.
  constructor(els, { onError }) {
    this.els = els;
    this.onError = onError;
    this.status = null;
    this.busy = false;
    this.polling = null;  // the timer of the next poll while a training runs
    els.train.addEventListener('click', () => this.act(trainPersonal, 'Learning from your corrections has started.', els.stage));
    els.forget.addEventListener('click', () => {
      if (window.confirm('Delete your own model? The standard model will analyse your recordings again. Your recordings and labels stay.')) {
        this.act(forgetPersonal, 'Your own model is deleted; the standard model is in use.', els.train);
      }
    });
    for (const radio of els.choice.querySelectorAll('input[type=radio]')) {
      radio.addEventListener('change', () => {
        if (!radio.checked) return;
        const words = radio.value === 'personal' ? 'Your own model' : 'The standard model';
        this.act(() => usePersonal(radio.value), `${words} analyses new recordings now.`, radio);
      });
    }
  }

  // Reads the status; false when the server could not be asked (said once by onError).
  async refresh() {
    try {
      this.render(await getPersonal());
      return true;
    } catch (e) {
      this.onError(e);
      return false;
    }
  }

  async act(request, done, focusAfter) {
    if (this.busy) return;
    this.setBusy(true);
    try {
      const status = await request();
      this.setBusy(false);
      this.render(status);
      this.els.status.textContent = done;
      if (focusAfter && !focusAfter.hidden && !focusAfter.disabled) focusAfter.focus();
    } catch (e) {
      this.setBusy(false);
      this.onError(e);
      await this.refresh();
    }
  }

  setBusy(busy) {
    this.busy = busy;
    this.els.train.disabled = busy || !(this.status && this.status.can_train);
    this.els.forget.disabled = busy;
    for (const r of this.els.choice.querySelectorAll('input')) r.disabled = busy;
  }

  render(s) {
    const was = this.status && this.status.training.state;
    this.status = s;
    const { intro, train, progress, bar, stage, result, choice, forget } = this.els;
    const running = s.training.state === 'running';
    const m = s.model;
    if (m) intro.textContent = `You have labelled ${plural(s.corrections, 'analysis', 'analyses')}; your own model learnt from ${m.corrections - m.held_out} of the ${m.corrections} it was made from.`;
    else if (s.corrections >= s.needed) intro.textContent = `You have labelled ${plural(s.corrections, 'analysis', 'analyses')}: enough for CalmSpace to learn how you sound.`;
    else intro.textContent = `Answer "Was this right?" under a result and CalmSpace can learn how you sound. ${s.corrections} of the ${s.needed} labelled analyses it needs so far.`;
    train.textContent = m ? 'Learn again from all my corrections' : 'Learn from my corrections';
    train.disabled = this.busy || !s.can_train;
    train.hidden = running;
    progress.hidden = !running;
    if (running) {
      const training = s.training.stage === 'training' && s.training.epochs > 0;
      bar.max = training ? s.training.epochs : 1;
      if (training) bar.value = s.training.epoch;
      else bar.removeAttribute('value');  // indeterminate
      stage.textContent = training
        ? `${STAGES.training}: round ${Math.min(s.training.epoch + 1, s.training.epochs)} of ${s.training.epochs}`
        : STAGES[s.training.stage] || 'Starting…';
    }
    if (s.training.state === 'failed') {
      result.hidden = false;
      result.textContent = `Learning failed: ${s.training.error}`;
    } else if (m) {
      result.hidden = false;
      result.textContent = m.held_out > 0
        ? `Tried on ${plural(m.held_out, 'recording', 'recordings')} of yours it did not learn from: ` +
          `the standard model was right on ${m.base_right}, your own model on ${m.personal_right}.`
        : 'Every emotion you labelled had one recording, so none was kept back to check it: label a few more to see how it does.';
    } else {
      result.hidden = true;
    }
    choice.hidden = !m;
    forget.hidden = !m;
    for (const r of choice.querySelectorAll('input')) r.checked = r.value === s.active;
    document.body.dataset.personal = `${s.training.state}:${s.active}`;  // for the end-to-end test
    if (was === 'running' && !running) {
      this.els.status.textContent = s.training.state === 'done'
        ? 'Your own model is ready. Choose it below to use it.'
        : s.training.state === 'failed' ? 'Learning from your corrections failed.' : '';
    }
    this.poll(running);
  }

  // While a training runs, the next question a second after each answer (never two at once);
  // an unreachable server stops the polling (the error is shown once).
  poll(running) {
    if (!running || this.polling) return;
    this.polling = setTimeout(async () => {
      const answered = await this.refresh();
      this.polling = null;
      if (answered) this.poll(this.status.training.state === 'running');
    }, 1000);
  }
}
