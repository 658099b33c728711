// What happens between recurrent layers when model.residual / model.layer_norm are on, per frame
// of D = hidden_size * directions values (model_options.h), shared by the double reference, the
// float CPU backend and the streaming model:
//   r = y + x                                   (residual: x is the layer's input, also D wide)
//   z = gamma * (r - mu) * rstd + beta          (layer_norm; mu, var over the D values,
//   rstd = 1 / sqrt(var + kLayerNormEps)         biased variance, as torch.nn.LayerNorm)
// Backward (Ba, Kiros & Hinton 2016, "Layer Normalization"), with xhat = (r - mu) * rstd:
//   dgamma += dz * xhat, dbeta += dz, dxhat = dz * gamma,
//   dr = rstd * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat)); dy = dr, dx += dr.
#pragma once

#include <cmath>
#include <cstdint>

namespace calmspace {

inline constexpr double kLayerNormEps = 1e-5;  // torch.nn.LayerNorm's default

// sum_{j < n} f(j) as 16 interleaved partial sums (value j into sum j mod 16) added pairwise at
// the end: one fixed order, so every backend, instruction set and the stream get the same result,
// and one compilers vectorise, where a single running sum would wait on each add's latency.
template <class S, class F>
S lane_sum(std::int64_t n, F f) {
  constexpr int kLanes = 16;
  S acc[kLanes] = {};
  std::int64_t j = 0;
  for (; j + kLanes <= n; j += kLanes)
    for (int l = 0; l < kLanes; ++l) acc[l] += f(j + l);
  for (int l = 0; j < n; ++j, ++l) acc[l] += f(j);
  for (int w = kLanes / 2; w > 0; w /= 2)
    for (int l = 0; l < w; ++l) acc[l] += acc[l + w];
  return acc[0];
}

// One frame. x: the residual input (nullptr: none); gamma, beta: (D) or nullptr for no
// normalisation (then z = r). xhat (D) and rstd (1) are kept for the backward pass when
// normalising. z may alias y.
template <class S>
void residual_norm_row(const S* y, const S* x, const S* gamma, const S* beta, std::int64_t D, S* z,
                       S* xhat, S* rstd) {
  for (std::int64_t j = 0; j < D; ++j) z[j] = x ? y[j] + x[j] : y[j];
  if (!gamma) return;
  const S mu = lane_sum<S>(D, [&](std::int64_t j) { return z[j]; }) / static_cast<S>(D);
  const S var =
      lane_sum<S>(D, [&](std::int64_t j) { return (z[j] - mu) * (z[j] - mu); }) / static_cast<S>(D);
  const S r = S(1) / std::sqrt(var + static_cast<S>(kLayerNormEps));
  *rstd = r;
  for (std::int64_t j = 0; j < D; ++j) {
    xhat[j] = (z[j] - mu) * r;
    z[j] = gamma[j] * xhat[j] + beta[j];
  }
}

// One frame: dz (D) -> dr (D) (may alias dz), ADDING to dgamma, dbeta (D) when normalising
// (gamma != nullptr) and they are given (a caller may sum them itself, in its own order);
// without normalisation dr = dz.
template <class S>
void residual_norm_row_backward(const S* dz, const S* gamma, const S* xhat, S rstd, std::int64_t D,
                                S* dr, S* dgamma, S* dbeta) {
  if (!gamma) {
    if (dr != dz)
      for (std::int64_t j = 0; j < D; ++j) dr[j] = dz[j];
    return;
  }
  // mean(dxhat), mean(dxhat * xhat) with dxhat = dz * gamma
  const S m1 = lane_sum<S>(D, [&](std::int64_t j) { return dz[j] * gamma[j]; }) / static_cast<S>(D);
  const S m2 = lane_sum<S>(D, [&](std::int64_t j) { return dz[j] * gamma[j] * xhat[j]; }) /
               static_cast<S>(D);
  if (dgamma)
    for (std::int64_t j = 0; j < D; ++j) {
      dgamma[j] += dz[j] * xhat[j];
      dbeta[j] += dz[j];
    }
  for (std::int64_t j = 0; j < D; ++j) dr[j] = rstd * (dz[j] * gamma[j] - m1 - xhat[j] * m2);
}

}  // namespace calmspace
