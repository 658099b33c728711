// Host-side plan of a ragged feature batch for the CUDA backend (no CUDA types; header-only so the
// CPU test suite checks it in every build). Clip b's samples sit at
// samples[sample_offsets[b], sample_offsets[b] + num_samples[b]) of one concatenated buffer; it
// gives lengths[b] = FrameLayout::num_frames(num_samples[b]) frames, stored back to back in the
// packed frame order at [frame_offsets[b], frame_offsets[b + 1]). Packed frames are processed in
// chunks of at most chunk_frames (bounded workspace), and each chunk's FFTs run as cuFFT executions
// of exactly fft_batch frames (one plan, one batch size: a frame's spectrum never depends on its
// neighbours).
#pragma once

#include <algorithm>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/base/error.h"
#include "core/features/framing.h"

namespace calmspace::cuda {

struct RaggedFramePlan {
  std::vector<std::int64_t> sample_offsets;  // B, samples
  std::vector<std::int64_t> num_samples;     // B, samples
  std::vector<std::int64_t> frame_offsets;   // B + 1, packed frames; back() = total frames
  std::vector<std::int64_t> lengths;         // B, frames
  std::int64_t max_frames = 0;               // max of lengths (0 for an empty batch)

  std::int64_t batch() const { return static_cast<std::int64_t>(lengths.size()); }
  std::int64_t total_frames() const { return frame_offsets.back(); }
};

// `offsets` empty: clips are back to back (exclusive prefix sums of `sizes`). Throws InputError
// naming the clip for a negative size or offset, or when offsets and sizes differ in count.
inline RaggedFramePlan plan_ragged_frames(const FrameLayout& layout,
                                          std::span<const std::int64_t> sizes,
                                          std::span<const std::int64_t> offsets = {}) {
  if (!offsets.empty() && offsets.size() != sizes.size())
    throw InputError("clip offsets", cat(offsets.size(), " offsets for ", sizes.size(), " clips"));
  RaggedFramePlan plan;
  const std::size_t batch = sizes.size();
  plan.sample_offsets.resize(batch);
  plan.num_samples.assign(sizes.begin(), sizes.end());
  plan.lengths.resize(batch);
  plan.frame_offsets.assign(batch + 1, 0);
  std::int64_t next_sample = 0;
  for (std::size_t b = 0; b < batch; ++b) {
    if (sizes[b] < 0) throw InputError(cat("clip ", b), cat("negative sample count ", sizes[b]));
    const std::int64_t offset = offsets.empty() ? next_sample : offsets[b];
    if (offset < 0) throw InputError(cat("clip ", b), cat("negative sample offset ", offset));
    plan.sample_offsets[b] = offset;
    next_sample += sizes[b];
    plan.lengths[b] = layout.num_frames(sizes[b]);
    plan.frame_offsets[b + 1] = plan.frame_offsets[b] + plan.lengths[b];
    plan.max_frames = std::max(plan.max_frames, plan.lengths[b]);
  }
  return plan;
}

// Largest power of two <= x (x >= 1).
constexpr std::int64_t floor_pow2(std::int64_t x) {
  std::int64_t p = 1;
  while (p * 2 <= x) p *= 2;
  return p;
}

// Frames per cuFFT execution: a power of two with about 8 MiB of real input per execution, in
// [32, 4096] (n_fft 512 -> 4096 frames: 8 MiB in, 8.4 MiB out).
constexpr int fft_batch_frames(int n_fft) {
  const std::int64_t by_bytes = (std::int64_t{8} << 20) / (std::int64_t{4} * n_fft);
  return static_cast<int>(
      std::clamp<std::int64_t>(floor_pow2(std::max<std::int64_t>(by_bytes, 1)), 32, 4096));
}

// Frames per chunk: a multiple of fft_batch_frames() whose framed input (n_fft floats) and spectra
// (bins complex floats) take about 128 MiB at most (n_fft 512 -> 16384 frames, 64 MiB).
constexpr std::int64_t chunk_frames(int n_fft, int bins) {
  const std::int64_t per_frame = std::int64_t{4} * n_fft + std::int64_t{8} * bins;
  const std::int64_t fft = fft_batch_frames(n_fft);
  const std::int64_t by_bytes = (std::int64_t{128} << 20) / per_frame;
  return std::max(
      fft,
      std::min<std::int64_t>(floor_pow2(std::max<std::int64_t>(by_bytes, 1)), 16384) / fft * fft);
}

// Workspace rows needed for `total` packed frames: every FFT execution reads and writes whole
// fft_batch-row blocks, so the rows are rounded up to a multiple of fft_batch (<= chunk).
constexpr std::int64_t workspace_rows(std::int64_t total, std::int64_t chunk, int fft_batch) {
  return std::min(chunk, (total + fft_batch - 1) / fft_batch * fft_batch);
}

}  // namespace calmspace::cuda
