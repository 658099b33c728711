// ONNX export (`calmspace export --format onnx`): the whole inference path of a checkpoint as one
// ONNX model (IR version kOnnxIrVersion, default-domain opset kOnnxOpset), runnable by
// onnxruntime and checked by onnx.checker.
//   inputs:  features      float32 (batch, time, F)  padded features, as CalmSpace computes them
//                                                    (the feature options are in the metadata)
//            lengths       int32   (batch)           true frames per clip, 1 <= lengths[b] <= time
//                                                    (a single clip: lengths = [time])
//   outputs: probabilities float32 (batch, C)        softmax over the labels
//            logits        float32 (batch, C)        the head's output before the softmax
// Graph: (features - input_norm.mean) * (1 / input_norm.std)   (only when model.input_norm)
//   -> per layer one ONNX RNN / LSTM / GRU node (direction forward | bidirectional,
//      sequence_lens = lengths, so a padded batch gives each clip's single-clip answer); weights
//      from the PyTorch layout (sequence_model.h) with the gates reordered: LSTM i,f,g,o ->
//      ONNX i,o,f,c; GRU r,z,n -> ONNX z,r,h with linear_before_reset = 1; RNN activation Tanh
//      or Relu; B = [b_ih, b_hh]; Y (time, dirs, batch, H) -> (time, batch, dirs * H) feeds the
//      next layer (inter-layer dropout is training-only: identity here)
//   -> pooling over each clip's true frames, exactly as pooling.h: mean and attention masked by
//      lengths, max over t < length, last = the final states Y_h (forward at length - 1, reverse
//      at 0)
//   -> head Gemm -> logits -> Softmax -> probabilities.
// Every cell x direction x layer count x pooling x input_norm combination is exported.
// metadata_props: model_export_metadata() (format, labels as a JSON list, features and model
// options YAML, sample_rate, input_norm, config).
#pragma once

#include <string>

#include "core/run/checkpoint.h"

namespace calmspace {

inline constexpr int kOnnxOpset = 17;     // ONNX 1.12's newest; onnxruntime >= 1.14 runs it
inline constexpr int kOnnxIrVersion = 8;  // the IR version of ONNX 1.12 (opset 17)

// What the model takes: the features above, or audio (batch, samples) float32 with the feature
// path inside the graph (onnx_audio_frontend.h), which then also outputs its features.
enum class OnnxInput { Features, Audio };

// The serialized onnx.ModelProto. Throws InputError("checkpoint", reason) when the checkpoint's
// weights do not match its model options, InputError(option, reason) when the audio front-end
// cannot compute its features.
std::string onnx_model_bytes(const Checkpoint& checkpoint, OnnxInput input = OnnxInput::Features);

// Writes onnx_model_bytes() to `path` atomically (temporary, then rename).
void export_onnx(const Checkpoint& checkpoint, const std::string& path,
                 OnnxInput input = OnnxInput::Features);

}  // namespace calmspace
