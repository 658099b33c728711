// Microphone recording with the browser's own encoder (MediaRecorder): Chrome and Edge give
// WebM/Opus, Firefox Ogg/Opus, Safari MP4/AAC; the server decodes all of them. While recording,
// onLevel(0..1) reports the loudness (RMS in dB, -60..0 dBFS mapped to 0..1) and onTime(seconds)
// the elapsed time, a few times per second.
const TYPES = ['audio/webm;codecs=opus', 'audio/ogg;codecs=opus', 'audio/mp4', 'audio/webm'];
const EXTENSIONS = { 'audio/webm': 'webm', 'audio/ogg': 'ogg', 'audio/mp4': 'm4a' };

export class Recorder {
  constructor({ onLevel, onTime, maxSeconds = 300, onLimit }) {
    Object.assign(this, { onLevel, onTime, maxSeconds, onLimit });
  }

  get recording() {
    return Boolean(this.media && this.media.state === 'recording');
  }

  async start() {
    if (!navigator.mediaDevices || !window.MediaRecorder)
      throw new Error('This browser cannot record audio here. Try uploading a file instead.');
    try {
      this.stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    } catch (e) {
      throw new Error('The microphone is not available (permission denied or no microphone).');
    }
    const mimeType = TYPES.find((t) => MediaRecorder.isTypeSupported(t)) || '';
    this.media = new MediaRecorder(this.stream, mimeType ? { mimeType } : {});
    this.chunks = [];
    this.media.ondataavailable = (e) => e.data.size && this.chunks.push(e.data);
    this.media.start(250);
    this.startedAt = performance.now();
    this.#watchLevel();
  }

  // Resolves to { blob, name } once the recorder has flushed its last chunk.
  stop() {
    return new Promise((resolve) => {
      this.media.onstop = () => {
        const type = (this.media.mimeType || 'audio/webm').split(';')[0];
        const blob = new Blob(this.chunks, { type });
        const stamp = new Date().toISOString().slice(0, 19).replace('T', ' ').replace(/:/g, '.');
        this.#release();
        resolve({ blob, name: `Recording ${stamp}.${EXTENSIONS[type] || 'webm'}` });
      };
      this.media.stop();
    });
  }

  #watchLevel() {
    this.context = new AudioContext();
    const source = this.context.createMediaStreamSource(this.stream);
    const analyser = this.context.createAnalyser();
    analyser.fftSize = 2048;
    source.connect(analyser);
    const samples = new Float32Array(analyser.fftSize);
    const tick = () => {
      if (!this.recording) return;
      analyser.getFloatTimeDomainData(samples);
      let sum = 0;
      for (const v of samples) sum += v * v;
      const db = 10 * Math.log10(sum / samples.length + 1e-12);
      this.onLevel(Math.min(1, Math.max(0, (db + 60) / 60)));
      const seconds = (performance.now() - this.startedAt) / 1000;
      this.onTime(seconds);
      if (seconds >= this.maxSeconds && this.onLimit) this.onLimit();
      this.frame = requestAnimationFrame(tick);
    };
    this.frame = requestAnimationFrame(tick);
  }

  #release() {
    cancelAnimationFrame(this.frame);
    this.stream.getTracks().forEach((t) => t.stop());
    this.context.close();
    this.onLevel(0);
  }
}
