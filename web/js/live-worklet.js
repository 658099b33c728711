// The microphone for live streams, on the audio rendering thread (an AudioWorklet: no
// MediaRecorder, no compression, no gaps): the first input channel, low-pass filtered and
// resampled to 16 kHz, posted to the page as 16-bit PCM every 20 ms ({ pcm: Int16Array(320),
// rms }) for the live socket (live.js).
//   Resampling: a 63-tap windowed-sinc low-pass (Blackman window, cut-off 7.2 kHz: 0.9 x the new
//   Nyquist frequency) evaluated at the two input samples around each output instant, linearly
//   interpolated between them (the filtered signal has nothing above 7.2 kHz, so a linear step
//   between samples at >= 32 kHz adds little). Input rates from 16 to 192 kHz.
const OUT_RATE = 16000;
const CHUNK = 320;  // 20 ms at 16 kHz
const TAPS = 63;
const HALF = (TAPS - 1) / 2;
const RING = 8192;  // input samples kept (a power of two), far more than one render quantum + taps

class CaptureProcessor extends AudioWorkletProcessor {
  constructor() {
    super();
    const ratio = sampleRate / OUT_RATE;
    const cutoff = (0.9 * OUT_RATE) / 2 / sampleRate;  // cycles per input sample
    this.step = ratio;
    this.taps = new Float32Array(TAPS);
    let sum = 0;
    for (let k = 0; k < TAPS; k++) {
      const x = k - HALF;
      const sinc = x === 0 ? 2 * cutoff : Math.sin(2 * Math.PI * cutoff * x) / (Math.PI * x);
      const w = 0.42 - 0.5 * Math.cos((2 * Math.PI * k) / (TAPS - 1)) + 0.08 * Math.cos((4 * Math.PI * k) / (TAPS - 1));
      this.taps[k] = sinc * w;
      sum += this.taps[k];
    }
    for (let k = 0; k < TAPS; k++) this.taps[k] /= sum;  // unit gain at 0 Hz
    this.ring = new Float32Array(RING);
    this.received = 0;  // input samples so far
    this.position = 0;  // the next output instant, in input samples
    this.out = new Int16Array(CHUNK);
    this.filled = 0;
    this.energy = 0;
  }

  // The low-pass filtered input at sample i (samples before the first are silence).
  filtered(i) {
    let y = 0;
    for (let k = 0; k < TAPS; k++) {
      const j = i - HALF + k;
      if (j >= 0) y += this.taps[k] * this.ring[j & (RING - 1)];
    }
    return y;
  }

  process(inputs) {
    const channel = inputs[0] && inputs[0][0];
    if (!channel) return true;
    for (let n = 0; n < channel.length; n++) this.ring[(this.received + n) & (RING - 1)] = channel[n];
    this.received += channel.length;
    // Output instants whose two neighbouring filtered samples have all their taps.
    while (Math.floor(this.position) + 1 + HALF < this.received) {
      const i = Math.floor(this.position);
      const a = this.filtered(i);
      const v = a + (this.position - i) * (this.filtered(i + 1) - a);
      this.position += this.step;
      const clipped = Math.max(-1, Math.min(1, v));
      this.out[this.filled++] = Math.round(clipped * 32767);
      this.energy += clipped * clipped;
      if (this.filled === CHUNK) {
        const pcm = this.out;
        this.port.postMessage({ pcm, rms: Math.sqrt(this.energy / CHUNK) }, [pcm.buffer]);
        this.out = new Int16Array(CHUNK);
        this.filled = 0;
        this.energy = 0;
      }
    }
    return true;
  }
}

registerProcessor('calmspace-capture', CaptureProcessor);
