// "Your voice" (issue 25): the person reads a short neutral text aloud, or picks their own
// recordings from the history (those they labelled with the emotion the model's voice statistics
// come from, e.g. neutral); the server keeps their voice's statistics and hears their recordings
// against them (voice_profile.h). Only a model trained with speaker normalisation can use them:
// otherwise the panel says why and offers nothing. GET/POST/DELETE /api/voice.
import { getVoice, enrolVoice, enrolVoiceFromHistory, forgetVoice, listAnalyses } from './api.js';
import { clock, emotionWord } from './emotions.js';
import { claim, release, heldByOther, onMicrophoneChange } from './microphone.js';
import { Recorder } from './recorder.js';

export class VoicePanel {
  // `els`: { intro, reading, prompt, record, time, history, forget, status }; `onError(e)`.
  // The reading takes the page's microphone (microphone.js): the other recorders wait for it.
  constructor(els, { onError }) {
    Object.assign(this, { els, onError, busy: false, picked: [] });
    this.recorder = new Recorder({
      onLevel: () => {},
      onTime: (s) => (els.time.textContent = clock(s)),
      maxSeconds: 60,
      onLimit: () => this.toggle(),
    });
    onMicrophoneChange(() => this.buttons());
    els.record.addEventListener('click', () => this.toggle());
    els.history.addEventListener('click', () =>
      this.act(() => enrolVoiceFromHistory(this.picked), 'Your voice is enrolled from your recordings.', els.history));
    els.forget.addEventListener('click', async () => {
      if (this.busy) return;
      if (!window.confirm('Forget your voice? Your recordings will be heard as anyone\'s again.')) return;
      await this.act(forgetVoice, 'Your voice is forgotten.', els.record);
    });
  }

  // Nothing starts while a step runs or the reading records; the reading waits while another
  // recorder holds the microphone.
  buttons() {
    const recording = this.recorder.recording;
    this.els.record.disabled = this.busy || heldByOther('voice');
    this.els.history.disabled = this.busy || recording;
    this.els.forget.disabled = this.busy || recording;
  }

  async refresh() {
    const [status, recent] = await Promise.allSettled([getVoice(), listAnalyses(100, 0)]);
    if (status.status === 'rejected') return this.onError(status.reason);
    // Without the history (it could not be read) the reading is still offered.
    this.pick(status.value, recent.status === 'fulfilled' ? recent.value.items : []);
    this.render(status.value);
  }

  // The newest 100 analyses the person labelled with the model's voice label (any label when the
  // model has none): offered when together they last long enough.
  pick(status, items) {
    const mine = items
      .filter((a) => a.correction && (!status.label || a.correction.label === status.label))
      .slice(0, 20);  // the server takes at most 20
    const seconds = mine.reduce((sum, a) => sum + a.duration_s, 0);
    this.picked = seconds >= status.min_seconds ? mine.map((a) => a.id) : [];
    const what = status.label ? `labelled ${emotionWord(status.label).toLowerCase()}` : 'you labelled';
    this.els.history.textContent = `Or use my ${this.picked.length} recordings ${what} (${Math.round(seconds)} s)`;
  }

  render(s) {
    const { intro, reading, prompt, forget } = this.els;
    document.body.dataset.voice = s.enrolled ? 'enrolled' : s.supported ? 'ready' : 'unsupported';
    if (!s.supported) {
      intro.textContent = `Voice enrolment is not available: ${s.why_not}.`;
      reading.hidden = true;
      forget.hidden = true;
      return;
    }
    intro.textContent = s.enrolled
      ? `CalmSpace knows your usual voice (a ${Math.round(s.seconds)} s ${s.source === 'history' ? 'selection of your recordings' : 'reading'}) and hears your recordings against it. Record again to replace it.`
      : 'Let CalmSpace learn how you usually sound, so that it hears a change in your voice rather than the voice itself.' +
        (s.note ? ` (${s.note}.)` : '');
    prompt.textContent = s.prompt;
    reading.hidden = false;
    this.els.history.hidden = this.picked.length === 0;
    forget.hidden = !s.enrolled;
  }

  // Starts the reading's recording, or stops it and enrols it. One step at a time: a click while
  // the microphone opens or the recorder flushes is ignored.
  async toggle() {
    const { record, time, status } = this.els;
    if (this.busy) return;
    if (!this.recorder.recording) {
      if (!claim('voice')) return;
      this.busy = true;
      this.buttons();
      try {
        await this.recorder.start();
      } catch (e) {
        this.busy = false;
        release('voice');
        this.buttons();
        return this.onError(e);
      }
      record.classList.add('recording');
      record.setAttribute('aria-pressed', 'true');
      record.textContent = 'Stop';
      status.textContent = 'Recording… read the text, then press Stop.';
      this.busy = false;
      this.buttons();
      return;
    }
    this.busy = true;
    this.buttons();
    const { blob, name } = await this.recorder.stop();
    record.classList.remove('recording');
    record.setAttribute('aria-pressed', 'false');
    record.textContent = 'Record my voice';
    time.textContent = '';
    this.busy = false;
    release('voice');
    await this.act(() => enrolVoice(blob, name), 'Your voice is enrolled: your next recordings are heard against it.', record);
  }

  async act(request, done, focusAfter) {
    if (this.busy) return;
    this.busy = true;
    this.buttons();
    try {
      const status = await request();
      this.render(status);
      this.els.status.textContent = done;
    } catch (e) {
      this.els.status.textContent = '';
      this.onError(e);
    } finally {
      this.busy = false;
      this.buttons();
      if (focusAfter && !focusAfter.hidden && !focusAfter.disabled) focusAfter.focus();
    }
  }
}
