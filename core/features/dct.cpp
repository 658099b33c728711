#include "core/features/dct.h"

#include <cmath>
#include <numbers>

#include "core/base/error.h"

namespace calmspace {

std::vector<double> dct_matrix(int n_mfcc, int n_mels) {
  CALMSPACE_CHECK(n_mfcc >= 1 && n_mels >= 1, "n_mfcc ", n_mfcc, " n_mels ", n_mels);
  std::vector<double> d(static_cast<std::size_t>(n_mfcc) * n_mels);
  const double scale = std::sqrt(2.0 / n_mels);
  for (int k = 0; k < n_mfcc; ++k)
    for (int m = 0; m < n_mels; ++m)
      d[static_cast<std::size_t>(k) * n_mels + m] =
          scale * (k == 0 ? 1.0 / std::sqrt(2.0) : 1.0) *
          std::cos(std::numbers::pi / n_mels * (m + 0.5) * k);
  return d;
}

std::vector<double> lifter_coefficients(int n_mfcc, double lifter) {
  std::vector<double> c(static_cast<std::size_t>(n_mfcc), 1.0);
  if (lifter > 0)
    for (int k = 0; k < n_mfcc; ++k)
      c[static_cast<std::size_t>(k)] = 1.0 + 0.5 * lifter * std::sin(std::numbers::pi * k / lifter);
  return c;
}

CepstrumTransform::CepstrumTransform(int n_mfcc, int n_mels, double lifter)
    : n_mfcc_(n_mfcc), n_mels_(n_mels), matrix_(dct_matrix(n_mfcc, n_mels)) {
  const std::vector<double> lift = lifter_coefficients(n_mfcc, lifter);
  for (int k = 0; k < n_mfcc; ++k)
    for (int m = 0; m < n_mels; ++m)
      matrix_[static_cast<std::size_t>(k) * n_mels + m] *= lift[static_cast<std::size_t>(k)];
}

void CepstrumTransform::apply(const float* logmel, float* ceps) const {
  for (int k = 0; k < n_mfcc_; ++k) {
    const double* row = matrix_.data() + static_cast<std::size_t>(k) * n_mels_;
    double acc = 0.0;
    for (int m = 0; m < n_mels_; ++m) acc += row[m] * logmel[m];
    ceps[k] = static_cast<float>(acc);
  }
}

}  // namespace calmspace
