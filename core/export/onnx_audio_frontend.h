// The feature path as ONNX nodes (opset 17), so that an ONNX export can take audio
// (`calmspace export --onnx-input audio`):
//   audio (batch, samples) float32, mono at audio.sample_rate, every row the same length
//   -> Pad n_fft/2 each side, mode reflect (features.center)
//   -> STFT (frame_length n_fft, frame_step hop, onesided; the window: the periodic analysis
//      window of win samples centred in n_fft zeros, as CalmSpace frames it) -> (B, T, bins, 2)
//   -> |X|^2 (features.spectrum=power) or |X|
//   -> MatMul with the mel filterbank (bins, n_mels), the very matrix CalmSpace applies
//      (melscale_fbanks: torchaudio's), as a constant
//   -> log(max(x, log_floor)) -> per-utterance CMN/CMVN over the frames (features.cmvn)
//   = features (B, T, F), lengths (B) int32 = T for every row: the classifier's inputs.
// Feature options it cannot express (MFCC, linear spectrogram, deltas, pre-emphasis, dither,
// snip-edge framing, prosody columns) are an InputError naming the option: export with
// --onnx-input features.
#pragma once

#include <string>

#include "core/config/config.h"
#include "core/export/onnx_builder.h"

namespace calmspace {

// Adds graph input `audio` and the nodes above; their outputs are named `features` and
// `lengths`. Throws InputError(option, reason) for options it does not support.
void add_onnx_audio_frontend(onnx_builder::GraphBuilder& g, const Config& config);

}  // namespace calmspace
