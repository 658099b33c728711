// A live stream: the microphone through an AudioWorklet (live-worklet.js: 16 kHz 16-bit PCM,
// 20 ms at a time) to the server's live socket (serve/live_sessions.h), and its updates back:
// every hop the emotion of the last few seconds and of the whole stream so far.
//   const live = new LiveSession({ onUpdate, onLevel, onLimit, onError });
//   await live.start(info);            // info: GET /api/model's "live" ({ port, path, ... })
//   const analysis = await live.stop(true);   // the stored analysis (false: discarded, null)
// Errors the server sends (a limit, a refusal) go to onError with its message; the socket
// closing early too. Nothing is stored unless stop(true) is called.
const CONSTRAINTS = {
  audio: { channelCount: 1, echoCancellation: false, noiseSuppression: false, autoGainControl: false },
};

export class LiveSession {
  constructor({ onUpdate, onLevel, onLimit, onError }) {
    Object.assign(this, { onUpdate, onLevel, onLimit, onError });
    this.stopping = null;
  }

  async start(info) {
    if (!info) throw new Error('This server does not offer live analysis (it runs with --no-live).');
    if (!navigator.mediaDevices || !window.AudioWorkletNode)
      throw new Error('This browser cannot stream the microphone. Try recording instead.');
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    this.socket = new WebSocket(`${scheme}://${location.hostname}:${info.port}${info.path}`);
    this.socket.binaryType = 'arraybuffer';
    this.ready = await new Promise((resolve, reject) => {
      this.socket.onmessage = (e) => {
        const m = JSON.parse(e.data);
        if (m.type === 'ready') resolve(m);
        else reject(new Error(m.message || 'The live stream was refused.'));
      };
      this.socket.onerror = () => reject(new Error('The live stream could not connect to the server.'));
      this.socket.onclose = () => reject(new Error('The server closed the live stream.'));
    });
    this.socket.onmessage = (e) => this.#message(JSON.parse(e.data));
    this.socket.onclose = (e) => {
      this.#releaseMicrophone();
      if (!this.stopping) this.onError(new Error(e.reason || 'The live stream ended unexpectedly.'));
      else this.stopping.resolve(null);
    };
    try {
      this.stream = await navigator.mediaDevices.getUserMedia(CONSTRAINTS);
    } catch (e) {
      this.socket.onclose = null;  // the error below says why; no second one from the socket
      this.socket.close();
      throw new Error('The microphone is not available (permission denied or no microphone).');
    }
    this.context = new AudioContext();
    await this.context.audioWorklet.addModule('/js/live-worklet.js');
    const source = this.context.createMediaStreamSource(this.stream);
    this.node = new AudioWorkletNode(this.context, 'calmspace-capture');
    this.node.port.onmessage = ({ data }) => {
      if (this.socket.readyState === WebSocket.OPEN && !this.stopping) this.socket.send(data.pcm.buffer);
      this.onLevel(data.rms);
    };
    // Pulled by the destination through a silent gain, so the worklet runs in every browser.
    const mute = this.context.createGain();
    mute.gain.value = 0;
    source.connect(this.node).connect(mute).connect(this.context.destination);
  }

  // Ends the stream: the microphone stops at once; with `store`, resolves to the analysis the
  // server stored (as an upload of the same audio would give), else to null.
  stop(store) {
    if (this.stopping) return this.stopping.promise;
    let resolve, reject;
    const promise = new Promise((res, rej) => ([resolve, reject] = [res, rej]));
    this.stopping = { promise, resolve, reject, store };
    this.#releaseMicrophone();
    if (this.socket.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify({ type: 'stop', store }));
    else resolve(null);
    return promise;
  }

  #message(m) {
    if (m.type === 'update') this.onUpdate(m);
    else if (m.type === 'limit') this.onLimit(m.message);
    else if (m.type === 'stored' && this.stopping) this.stopping.resolve(m.analysis);
    else if (m.type === 'error') {
      const error = new Error(m.message);
      if (this.stopping) this.stopping.reject(error);
      else this.onError(error);
    }
  }

  #releaseMicrophone() {
    if (this.node) this.node.port.onmessage = null;
    if (this.stream) this.stream.getTracks().forEach((t) => t.stop());
    if (this.context && this.context.state !== 'closed') this.context.close();
    this.stream = null;
    this.onLevel(0);
  }
}
