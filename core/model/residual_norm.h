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

// One frame. x: the residual input (nullptr: none); gamma, beta: (D) or nullptr for no
// normalisation (then z = r). xhat (D) and rstd (1) are kept for the backward pass when
// normalising. z may alias y.
template <class S>
void residual_norm_row(const S* y, const S* x, const S* gamma, const S* beta, std::int64_t D, S* z,
                       S* xhat, S* rstd) {
  for (std::int64_t j = 0; j < D; ++j) z[j] = x ? y[j] + x[j] : y[j];
  if (!gamma) return;
  S mu = 0;
  for (std::int64_t j = 0; j < D; ++j) mu += z[j];
  mu /= static_cast<S>(D);
  S var = 0;
  for (std::int64_t j = 0; j < D; ++j) var += (z[j] - mu) * (z[j] - mu);
  var /= static_cast<S>(D);
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
  S m1 = 0, m2 = 0;
  for (std::int64_t j = 0; j < D; ++j) {
    const S dxhat = dz[j] * gamma[j];
    m1 += dxhat;
    m2 += dxhat * xhat[j];
  }
  if (dgamma)
    for (std::int64_t j = 0; j < D; ++j) {
      dgamma[j] += dz[j] * xhat[j];
      dbeta[j] += dz[j];
    }
  m1 /= static_cast<S>(D);
  m2 /= static_cast<S>(D);
  for (std::int64_t j = 0; j < D; ++j) dr[j] = rstd * (dz[j] * gamma[j] - m1 - xhat[j] * m2);
}

}  // namespace calmspace
