// Cepstra: MFCC = log-mel @ torchaudio.functional.create_dct(n_mfcc, n_mels, norm="ortho"),
//   c_k = sqrt(2/M) s_k sum_m x_m cos(pi/M (m + 1/2) k), s_0 = 1/sqrt(2), s_k = 1 otherwise;
// optionally liftered as Kaldi: c_k *= 1 + (L/2) sin(pi k / L).
#pragma once

#include <vector>

namespace calmspace {

// Orthonormal DCT-II as a (n_mfcc, n_mels) row-major matrix, in double (the transpose of
// torchaudio's create_dct(n_mfcc, n_mels, "ortho")).
std::vector<double> dct_matrix(int n_mfcc, int n_mels);

// Kaldi lifter coefficients 1 + (L/2) sin(pi k / L), k in [0, n_mfcc); all ones when L == 0.
std::vector<double> lifter_coefficients(int n_mfcc, double lifter);

// Applies both: logmel (n_mels) -> cepstra (n_mfcc), accumulated in double.
class CepstrumTransform {
 public:
  CepstrumTransform(int n_mfcc, int n_mels, double lifter);
  int num_ceps() const { return n_mfcc_; }
  void apply(const float* logmel, float* ceps) const;

 private:
  int n_mfcc_, n_mels_;
  std::vector<double> matrix_;  // liftered DCT rows
};

}  // namespace calmspace
