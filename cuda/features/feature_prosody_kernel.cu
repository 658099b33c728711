// Prosody kernels (core/features/prosody.h on the GPU):
//   launch_prosody: one block per packed frame; the frame's win conditioned samples (reflected at
//     the clip's edges, as framing.h) go to shared memory, one thread per lag accumulates
//     d(tau) over j in order with _rn intrinsics (the CPU's own rounding, no FMA), then thread 0
//     runs YIN's cumulative normalisation, threshold search and parabola in double, and the
//     frame's energy sum, exactly as PitchTracker::estimate and frame_log_energy do.
//   launch_prosody_normalise: one thread per clip walks its frames in order (voiced mean,
//     interpolation of unvoiced frames, energy mean), as normalise_prosody.
#include <cstdint>

#include "cuda/common/check.h"
#include "cuda/features/feature_device_util.cuh"
#include "cuda/features/feature_kernels.h"

namespace calmspace::cuda {
namespace {

constexpr int kThreads = 128;

__device__ float* row_of(const PaddedOutput& out, int b, std::int64_t t) {
  return out.data + (static_cast<std::int64_t>(b) * out.max_frames + t) * out.dim;
}

__global__ void __launch_bounds__(kThreads)
    prosody_frame_kernel(const float* __restrict__ samples, ClipTable clips, FramingParams f,
                         ProsodyParams p, PaddedOutput out) {
  extern __shared__ float shared[];
  float* x = shared;             // win samples
  float* diff = shared + f.win;  // tau_max + 1
  const std::int64_t g = blockIdx.x;
  const int b = clip_of_frame(clips, g);
  const std::int64_t t = g - clips.frame_offsets[b];
  const std::int64_t n = clips.num_samples[b];
  const float* clip = samples + clips.sample_offsets[b];
  // FrameLayout::first_sample(t): where the frame's win samples start (negative when centred).
  const std::int64_t start = t * f.hop + (f.center ? f.window_offset - f.n_fft / 2 : 0);
  for (int j = threadIdx.x; j < f.win; j += blockDim.x) {
    std::int64_t i = start + j;
    if (i < 0 || i >= n) i = reflect_sample(i, n);
    x[j] = conditioned_sample(clip, i, f);
  }
  __syncthreads();
  const int top = p.tau_max + 1;
  for (int tau = threadIdx.x; tau < top; tau += blockDim.x) {
    float d = 0.0f;
    if (tau > 0)
      for (int j = 0; j < p.integration; ++j) {
        const float e = __fsub_rn(x[j], x[j + tau]);
        d = __fadd_rn(d, __fmul_rn(e, e));
      }
    diff[tau] = d;
  }
  __syncthreads();
  if (threadIdx.x != 0) return;
  float* row = row_of(out, b, t);
  if (p.pitch_col >= 0) {
    // d'(tau) in place of d(tau), d'(0) = 1: float(float(d * tau) / running), as the CPU.
    double running = 0.0;
    diff[0] = 1.0f;
    for (int tau = 1; tau < top; ++tau) {
      const float d = diff[tau];
      running = __dadd_rn(running, static_cast<double>(d));
      diff[tau] = running > 0.0
                      ? static_cast<float>(__ddiv_rn(
                            static_cast<double>(__fmul_rn(d, static_cast<float>(tau))), running))
                      : 1.0f;
    }
    const auto dn = [&](int tau) { return static_cast<double>(diff[tau]); };
    int best = -1;
    for (int tau = p.tau_min; tau <= p.tau_max; ++tau) {
      if (dn(tau) < p.threshold) {
        while (tau + 1 <= p.tau_max && dn(tau + 1) < dn(tau)) ++tau;
        best = tau;
        break;
      }
    }
    if (best < 0) {
      best = p.tau_min;
      for (int tau = p.tau_min + 1; tau <= p.tau_max; ++tau)
        if (dn(tau) < dn(best)) best = tau;
    }
    double lag = best;
    if (best > 1 && best < p.tau_max) {
      const double a = dn(best - 1), m = dn(best), c = dn(best + 1);
      const double curvature = __dadd_rn(__dsub_rn(a, __dmul_rn(2.0, m)), c);
      if (curvature > 0.0) {
        double shift = __ddiv_rn(__dmul_rn(0.5, __dsub_rn(a, c)), curvature);
        shift = shift < -0.5 ? -0.5 : (shift > 0.5 ? 0.5 : shift);
        lag = __dadd_rn(lag, shift);
      }
    }
    const float f0 = static_cast<float>(__ddiv_rn(static_cast<double>(p.sample_rate), lag));
    const double v = __dsub_rn(1.0, dn(best));
    row[p.pitch_col] = static_cast<float>(v < 0.0 ? 0.0 : (v > 1.0 ? 1.0 : v));
    row[p.pitch_col + 1] = logf(f0);
  }
  if (p.energy_col >= 0) {
    double sum = 0.0;
    for (int j = 0; j < f.win; ++j)
      sum = __dadd_rn(sum, __dmul_rn(static_cast<double>(x[j]), static_cast<double>(x[j])));
    const double mean = __ddiv_rn(sum, static_cast<double>(f.win > 1 ? f.win : 1));
    row[p.energy_col] = static_cast<float>(log(mean > p.log_floor ? mean : p.log_floor));
  }
}

__global__ void prosody_normalise_kernel(ClipTable clips, ProsodyParams p, PaddedOutput out) {
  const int b = blockIdx.x * blockDim.x + threadIdx.x;
  if (b >= clips.batch) return;
  const std::int64_t frames = clip_frames(clips, b);
  if (frames <= 0) return;
  const auto at = [&](std::int64_t t, int column) { return row_of(out, b, t) + column; };
  if (p.pitch_col >= 0) {
    const int v = p.pitch_col, f = p.pitch_col + 1;
    const auto voiced_at_least = static_cast<float>(__dsub_rn(1.0, p.threshold));
    double sum = 0.0;
    std::int64_t count = 0;
    for (std::int64_t t = 0; t < frames; ++t)
      if (*at(t, v) >= voiced_at_least) {
        sum = __dadd_rn(sum, static_cast<double>(*at(t, f)));
        ++count;
      }
    if (count == 0) {
      for (std::int64_t t = 0; t < frames; ++t) *at(t, f) = 0.0f;
    } else {
      const double mean = __ddiv_rn(sum, static_cast<double>(count));
      std::int64_t previous = -1;
      for (std::int64_t t = 0; t <= frames; ++t) {
        if (t < frames && !(*at(t, v) >= voiced_at_least)) continue;
        const float right =
            t < frames ? static_cast<float>(__dsub_rn(static_cast<double>(*at(t, f)), mean)) : 0.0f;
        const float left = previous >= 0 ? *at(previous, f) : right;
        for (std::int64_t u = previous + 1; u < t; ++u) {
          float value = left;
          if (previous >= 0 && t < frames)
            value = __fadd_rn(
                left, __fdiv_rn(__fmul_rn(__fsub_rn(right, left), static_cast<float>(u - previous)),
                                static_cast<float>(t - previous)));
          *at(u, f) = value;
        }
        if (t < frames) {
          *at(t, f) = right;
          previous = t;
        }
      }
    }
  }
  if (p.energy_col >= 0) {
    double sum = 0.0;
    for (std::int64_t t = 0; t < frames; ++t)
      sum = __dadd_rn(sum, static_cast<double>(*at(t, p.energy_col)));
    const auto mean = static_cast<float>(__ddiv_rn(sum, static_cast<double>(frames)));
    for (std::int64_t t = 0; t < frames; ++t)
      *at(t, p.energy_col) = __fsub_rn(*at(t, p.energy_col), mean);
  }
}

}  // namespace

std::size_t prosody_shared_bytes(const FramingParams& framing, const ProsodyParams& p) {
  return sizeof(float) * (static_cast<std::size_t>(framing.win) + p.tau_max + 1);
}

void launch_prosody(const float* samples, const ClipTable& clips, const FramingParams& framing,
                    const ProsodyParams& p, std::int64_t total_frames, const PaddedOutput& out,
                    std::size_t shared_bytes, cudaStream_t stream) {
  if (total_frames <= 0) return;
  prosody_frame_kernel<<<static_cast<unsigned>(total_frames), kThreads, shared_bytes, stream>>>(
      samples, clips, framing, p, out);
  CALMSPACE_CUDA_CHECK_LAUNCH();
}

void launch_prosody_normalise(const ClipTable& clips, const ProsodyParams& p,
                              const PaddedOutput& out, cudaStream_t stream) {
  if (clips.batch <= 0) return;
  constexpr int kClipThreads = 64;
  prosody_normalise_kernel<<<grid_for(clips.batch, kClipThreads), kClipThreads, 0, stream>>>(
      clips, p, out);
  CALMSPACE_CUDA_CHECK_LAUNCH();
}

}  // namespace calmspace::cuda
