// Before a recurrent shape is timed, its backend is checked once against the reference model
// (core/model/reference_model.h, naive loops) with the SAME weights: logits of a training-mode
// forward and every parameter gradient of backward() for fixed seeded dlogits. The reference is
// slow, so the check problem keeps the shape's cell, sizes and layers but trims the batch to at
// most 4 clips and the frames so the reference forward stays under ~1e8 multiply-adds (at least
// 4 frames). Tolerance: max |backend - reference| <= 1e-3 x max(1, max |reference|) for logits,
// and likewise for gradients (float32 round-off over up to 100 steps, polynomial exp in the fast
// path; observed differences are ~1e-6 relative).
#pragma once

#include <algorithm>
#include <cmath>
#include <string>

#include "core/bench/shape_table.h"
#include "core/model/dropout.h"
#include "core/model/reference_model.h"
#include "core/model/sequence_model.h"

namespace calmspace::bench {

// Seeded standard normal batch (B, T, F), every clip full length (splitmix64 + Box-Muller).
inline PaddedBatch gaussian_batch(std::int64_t B, std::int64_t T, std::int64_t F,
                                  std::uint64_t seed) {
  PaddedBatch x;
  x.batch = B;
  x.max_frames = T;
  x.dim = F;
  x.lengths.assign(static_cast<std::size_t>(B), T);
  x.data.resize(static_cast<std::size_t>(B * T * F));
  for (std::size_t i = 0; i < x.data.size(); ++i) {
    const double u1 = (static_cast<double>(splitmix64(seed + 2 * i) >> 11) + 1) * 0x1.0p-53;
    const double u2 = static_cast<double>(splitmix64(seed + 2 * i + 1) >> 11) * 0x1.0p-53;
    x.data[i] = static_cast<float>(std::sqrt(-2 * std::log(u1)) * std::cos(6.283185307179586 * u2));
  }
  return x;
}

struct CheckResult {
  std::string error;    // empty = passed
  std::string summary;  // "checked B2xT100: logits 3e-7, grads 1e-6 (relative)"
};

// `model` must be a fresh backend model for `shape` (its weights are used, its gradients reset).
inline CheckResult check_against_reference(SequenceModel& model, const RecurrentShape& shape) {
  const ModelOptions o = shape.model_options();
  const double macs_per_frame = recurrent_flops({o.cell, shape.input, shape.hidden, shape.layers,
                                                 shape.bidirectional, 1, 1, shape.classes})
                                    .forward /
                                2;
  std::int64_t B = std::min(shape.batch, 4);
  std::int64_t T = std::min<std::int64_t>(shape.frames, 100);
  const auto fit = [&] { return static_cast<std::int64_t>(1e8 / (macs_per_frame * B)); };
  if (fit() < 16) B = 1;
  T = std::clamp<std::int64_t>(std::min(T, fit()), std::min<std::int64_t>(4, shape.frames), T);
  const PaddedBatch x = gaussian_batch(B, T, shape.input, 99);
  RefBatch<float> rx{B, T, shape.input, x.data, x.lengths};

  ReferenceModel<float> ref(o, shape.input, shape.classes);
  std::copy(model.weights().begin(), model.weights().end(), ref.weights().begin());
  std::vector<float> logits, ref_logits;
  model.zero_gradients();
  model.forward(x, logits, true, 0);
  ref.forward(rx, ref_logits, true, 0);
  std::vector<float> dlogits(logits.size());
  for (std::size_t i = 0; i < dlogits.size(); ++i)
    dlogits[i] = static_cast<float>((splitmix64(1234 + i) >> 40) * 0x1.0p-24 - 0.5);
  model.backward(dlogits);
  std::fill(ref.gradients().begin(), ref.gradients().end(), 0.0f);
  ref.backward(dlogits);

  const auto rel_err = [](std::span<const float> a, std::span<const float> b) {
    double diff = 0, scale = 1;
    for (std::size_t i = 0; i < a.size(); ++i) {
      if (!std::isfinite(a[i])) return static_cast<double>(INFINITY);
      diff = std::max(diff, std::abs(static_cast<double>(a[i]) - b[i]));
      scale = std::max(scale, std::abs(static_cast<double>(b[i])));
    }
    return diff / scale;
  };
  const double e_logits = rel_err(logits, ref_logits);
  const double e_grads = rel_err(model.gradients(), ref.gradients());
  model.zero_gradients();
  CheckResult r;
  char buf[160];
  std::snprintf(buf, sizeof buf, "ref-checked B%lldxT%lld: logits %.1e, grads %.1e rel",
                static_cast<long long>(B), static_cast<long long>(T), e_logits, e_grads);
  r.summary = buf;
  if (!(e_logits <= 1e-3) || !(e_grads <= 1e-3)) r.error = "reference check failed: " + r.summary;
  return r;
}

}  // namespace calmspace::bench
