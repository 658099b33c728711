// Padded batch layout shared by every backend (cuDNN's padded layout with a length array):
// data is (batch, max_frames, dim), row-major, float32; rows t >= lengths[b] of clip b are zero.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace calmspace {

struct PaddedBatch {
  std::int64_t batch = 0;
  std::int64_t max_frames = 0;
  std::int64_t dim = 0;
  std::vector<float> data;            // batch * max_frames * dim values
  std::vector<std::int64_t> lengths;  // true frame count of each clip, size batch
  // Row 0's position in the whole batch when this is one rank's share of it (data-parallel
  // training, core/train/data_parallel_step.h): dropout masks are keyed by the position in the
  // whole batch, so a clip gets the same mask however the batch is shared out.
  std::int64_t first_row = 0;

  float& at(std::int64_t b, std::int64_t t, std::int64_t f) {
    return data[static_cast<std::size_t>((b * max_frames + t) * dim + f)];
  }
  float at(std::int64_t b, std::int64_t t, std::int64_t f) const {
    return data[static_cast<std::size_t>((b * max_frames + t) * dim + f)];
  }
  // Clip b's valid rows: lengths[b] * dim values.
  std::span<const float> clip(std::int64_t b) const {
    return {data.data() + b * max_frames * dim, static_cast<std::size_t>(lengths[b] * dim)};
  }
};

// Frames [first, end) of clip `row` of a batch.
struct FrameSlice {
  std::int64_t row = 0;
  std::int64_t first = 0;
  std::int64_t end = 0;
};

// x with each slice appended as a clip of its own: (x.batch + slices, x.max_frames, dim). The
// caller keeps every slice inside its clip (0 <= first < end <= length).
PaddedBatch append_slices(const PaddedBatch& x, std::span<const FrameSlice> slices);

// One clip's features: (frames, dim) row-major.
struct FeatureMatrix {
  std::int64_t frames = 0;
  std::int64_t dim = 0;
  std::vector<float> data;
  float at(std::int64_t t, std::int64_t f) const {
    return data[static_cast<std::size_t>(t * dim + f)];
  }
};

}  // namespace calmspace
