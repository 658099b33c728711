// Cutting a clip into windowed frames of n_fft samples, ready for a real FFT.
//
// center = true (torch.stft(center=True, pad_mode="reflect")): the signal is reflect-padded by
//   n_fft/2 on both sides; frame t covers padded samples [t*hop, t*hop + n_fft), and the window of
//   win samples sits zero-padded in the middle of it at offset (n_fft - win)/2. Frames: 1 + N/hop.
//   Reflection repeats for clips shorter than the padding (torch would refuse them); a one-sample
//   clip is treated as constant.
// center = false (Kaldi snip-edges): frame t = x[t*hop, t*hop + win) times the window, zero-padded
//   to n_fft. Frames: 1 + (N - win)/hop, 0 when N < win.
// Either way only `win` samples per frame are non-zero: frame t reads original samples
// first_sample(t) + j, j in [0, win), into buffer position window_offset + j.
#pragma once

#include <cstdint>
#include <span>

#include "core/config/feature_options.h"

namespace calmspace {

struct FrameLayout {
  int n_fft = 0;
  int win = 0;
  int hop = 0;
  bool center = true;
  int window_offset = 0;  // where the window starts inside the n_fft buffer

  static FrameLayout from(const FeatureOptions& options, int sample_rate);
  // Original-signal index of frame t's first windowed sample (may be negative when centred).
  std::int64_t first_sample(std::int64_t t) const {
    return t * hop + (center ? window_offset - n_fft / 2 : 0);
  }
  std::int64_t num_frames(std::int64_t num_samples) const;
};

// torch "reflect" index into a signal of n samples (n >= 1), repeated for far-out indices.
std::int64_t reflect_index(std::int64_t i, std::int64_t n);

// The part of a clip held in memory: samples [offset, offset + size) of a clip of `total` samples
// (a whole clip: offset 0, size == total). Every sample a frame reads, after reflection at the
// clip's edges, must be held. A clip still arriving (feature_stream.h) passes the samples received
// so far as `total`: exact for frames that reach neither past them nor, reflected, into them.
struct SignalView {
  const float* data = nullptr;
  std::int64_t offset = 0;
  std::int64_t size = 0;
  std::int64_t total = 0;

  static SignalView whole(std::span<const float> clip) {
    const auto n = static_cast<std::int64_t>(clip.size());
    return {clip.data(), 0, n, n};
  }
};

// Writes frames [first, first + count) of `signal`, windowed, into out[k * stride + 0 .. n_fft)
// (stride >= n_fft); positions outside the window are zero. `window` has layout.win values.
void fill_frames(const SignalView& signal, const FrameLayout& layout, const float* window,
                 std::int64_t first, int count, float* out, int stride);
inline void fill_frames(std::span<const float> signal, const FrameLayout& layout,
                        const float* window, std::int64_t first, int count, float* out,
                        int stride) {
  fill_frames(SignalView::whole(signal), layout, window, first, count, out, stride);
}

}  // namespace calmspace
