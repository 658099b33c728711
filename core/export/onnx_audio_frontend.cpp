#include "core/export/onnx_audio_frontend.h"

#include <algorithm>
#include <vector>

#include "core/base/error.h"
#include "core/features/framing.h"
#include "core/features/mel_filterbank.h"
#include "core/features/window.h"

namespace calmspace {
namespace {

using onnx_builder::attr;
using onnx_builder::Ints;

void require(bool supported, const char* option, const char* reason) {
  if (!supported)
    throw InputError(option, std::string(reason) +
                                 ": the ONNX audio front-end cannot compute it; export with "
                                 "--onnx-input features");
}

}  // namespace

void add_onnx_audio_frontend(onnx_builder::GraphBuilder& g, const Config& config) {
  const FeatureOptions f = utterance_features(config.features);  // one clip: its own stats
  const int rate = config.audio.sample_rate;
  require(f.kind == FeatureKind::LogMel, "features.kind", "only logmel is supported");
  require(f.center, "features.center", "snip-edge framing (center=false)");
  require(f.deltas == 0, "features.deltas", "deltas");
  require(f.preemphasis == 0, "features.preemphasis", "pre-emphasis");
  require(f.dither == 0, "features.dither", "dither");
  require(f.extra.empty(), "features.extra", "pitch and energy columns");
  require(config.audio.trim_db == 0, "audio.trim_db", "silence trimming");
  const FrameLayout layout = FrameLayout::from(f, rate);
  const std::int64_t n_fft = layout.n_fft, bins = n_fft / 2 + 1, M = f.n_mels;

  g.input("audio", onnx::TensorProto::FLOAT, {"batch", "samples"},
          "mono float32 samples at the model's sample_rate (metadata), rows of equal length "
          "longer than n_fft / 2");
  // (B, N) -> (B, N + n_fft), reflected as torch.stft(center=True) and CalmSpace's framing.
  const std::string padded = g.op("Pad", {"audio", g.int64s("pad", {0, n_fft / 2, 0, n_fft / 2})},
                                  {attr("mode", "reflect")});
  const std::string signal = g.op("Unsqueeze", {padded, g.int64s("axis2", {2})});  // (B, Np, 1)
  std::vector<float> window(static_cast<std::size_t>(n_fft), 0.0f);
  const std::vector<float> w = make_window(f.window, layout.win);
  std::copy(w.begin(), w.end(), window.begin() + layout.window_offset);
  const std::string spectrum =
      g.op("STFT",
           {signal, g.scalar_int64("frame_step", layout.hop), g.floats("window", {n_fft}, window),
            g.scalar_int64("frame_length", n_fft)},
           {attr("onesided", 1)});  // (B, T, bins, 2): real, imaginary
  std::string power = g.op("ReduceSum", {g.op("Mul", {spectrum, spectrum}), g.int64s("axis3", {3})},
                           {attr("keepdims", 0)});  // (B, T, bins)
  if (f.spectrum == SpectrumKind::Magnitude) power = g.op("Sqrt", {power});

  // The (bins, n_mels) matrix CalmSpace's MelFilterbank holds, dense.
  const MelFilterbank bank(f, rate);
  std::vector<float> dense(static_cast<std::size_t>(bins * M), 0.0f);
  for (int m = 0; m < M; ++m)
    for (int b = bank.begin(m); b < bank.end(m); ++b)
      dense[static_cast<std::size_t>(b * M + m)] = bank.weight(m, b);
  const std::string mel = g.op("MatMul", {power, g.floats("mel_filterbank", {bins, M}, dense)});
  std::string x = g.op(
      "Log", {g.op("Max", {mel, g.scalar_float("log_floor", static_cast<float>(f.log_floor))})});
  // Opset 17: ReduceMean takes its axes as an attribute, ReduceSum as an input.
  if (f.cmvn != Cmvn::None) {  // statistics over the frames (axis 1), population variance
    x = g.op("Sub", {x, g.op("ReduceMean", {x}, {attr("axes", Ints{1}), attr("keepdims", 1)})});
    if (f.cmvn == Cmvn::MeanVar) {
      const std::string var =
          g.op("ReduceMean", {g.op("Mul", {x, x})}, {attr("axes", Ints{1}), attr("keepdims", 1)});
      x = g.op("Div", {x, g.op("Sqrt", {g.op("Add", {var, g.scalar_float("eps", 1e-10f)})})});
    }
  }
  g.op_to("features", "Identity", {x});
  // Every row has T frames: lengths = [T] * B.
  const std::string shape = g.op("Shape", {"features"});
  const std::string frames = g.op("Slice", {shape, g.int64s("one", {1}), g.int64s("two", {2})});
  const std::string batch = g.op("Slice", {shape, g.int64s("zero", {0}), g.int64s("one_", {1})});
  g.op_to("lengths", "Cast", {g.op("Expand", {frames, batch})},
          {attr("to", static_cast<std::int64_t>(onnx::TensorProto::INT32))});
}

}  // namespace calmspace
