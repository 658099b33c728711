#include "core/features/framing.h"

#include <algorithm>
#include <cstring>

#include "core/base/error.h"

namespace calmspace {

FrameLayout FrameLayout::from(const FeatureOptions& options, int sample_rate) {
  FrameLayout l;
  l.n_fft = options.fft_size(sample_rate);
  l.win = options.win_length(sample_rate);
  l.hop = options.hop_length(sample_rate);
  l.center = options.center;
  l.window_offset = l.center ? (l.n_fft - l.win) / 2 : 0;
  return l;
}

std::int64_t FrameLayout::num_frames(std::int64_t num_samples) const {
  if (num_samples <= 0) return 0;
  if (center) return 1 + num_samples / hop;
  if (num_samples < win) return 0;
  return 1 + (num_samples - win) / hop;
}

std::int64_t reflect_index(std::int64_t i, std::int64_t n) {
  if (n == 1) return 0;
  const std::int64_t period = 2 * (n - 1);
  i %= period;
  if (i < 0) i += period;
  return i < n ? i : period - i;
}

void fill_frames(const SignalView& signal, const FrameLayout& layout, const float* window,
                 std::int64_t first, int count, float* out, int stride) {
  const std::int64_t n = signal.total;
  const std::int64_t held_begin = signal.offset, held_end = signal.offset + signal.size;
  const float* x = signal.data - signal.offset;  // x[i]: sample i of the clip, when held
  const int win = layout.win;
  const int off = layout.window_offset;
  for (int k = 0; k < count; ++k) {
    float* frame = out + static_cast<std::ptrdiff_t>(k) * stride;
    if (off > 0) std::memset(frame, 0, sizeof(float) * static_cast<std::size_t>(off));
    const int tail = layout.n_fft - off - win;
    if (tail > 0) std::memset(frame + off + win, 0, sizeof(float) * static_cast<std::size_t>(tail));
    float* dst = frame + off;
    const std::int64_t start = layout.first_sample(first + k);
    if (start >= 0 && start + win <= n) {
      CALMSPACE_CHECK(start >= held_begin && start + win <= held_end, "frame ", first + k,
                      " reads samples ", start, "..", start + win, " outside those held, ",
                      held_begin, "..", held_end);
      const float* src = x + start;
      for (int j = 0; j < win; ++j) dst[j] = src[j] * window[j];
    } else {
      // Only centred frames reach outside the clip (snip-edges frames are whole by construction).
      CALMSPACE_CHECK(layout.center, "snip-edges frame ", first + k, " outside the clip");
      for (int j = 0; j < win; ++j) {
        const std::int64_t i = reflect_index(start + j, n);
        CALMSPACE_CHECK(i >= held_begin && i < held_end, "frame ", first + k, " reads sample ", i,
                        " outside those held, ", held_begin, "..", held_end);
        dst[j] = x[i] * window[j];
      }
    }
  }
}

}  // namespace calmspace
