#include "core/base/tensor.h"

#include <algorithm>

namespace calmspace {

PaddedBatch append_slices(const PaddedBatch& x, std::span<const FrameSlice> slices) {
  PaddedBatch out;
  out.batch = x.batch + static_cast<std::int64_t>(slices.size());
  out.max_frames = x.max_frames;
  out.dim = x.dim;
  out.data.assign(static_cast<std::size_t>(out.batch * out.max_frames * out.dim), 0.0f);
  std::copy(x.data.begin(), x.data.end(), out.data.begin());
  out.lengths = x.lengths;
  for (std::size_t i = 0; i < slices.size(); ++i) {
    const FrameSlice& s = slices[i];
    const auto src = x.data.begin() + (s.row * x.max_frames + s.first) * x.dim;
    const auto dst = (x.batch + static_cast<std::int64_t>(i)) * x.max_frames * x.dim;
    std::copy(src, src + (s.end - s.first) * x.dim, out.data.begin() + dst);
    out.lengths.push_back(s.end - s.first);
  }
  return out;
}

}  // namespace calmspace
