// Mel filterbanks, identical to torchaudio.functional.melscale_fbanks (0.13): triangles between
// n_mels + 2 points equally spaced on the mel scale (htk: 2595 log10(1 + f/700); slaney: linear
// below 1 kHz, logarithmic above), evaluated at all_freqs = linspace(0, sample_rate // 2, n_freqs);
// norm = slaney divides each triangle by its width in Hz / 2 (area normalisation).
// Built in double; applied sparsely, each filter only over its non-zero bins.
#pragma once

#include <vector>

#include "core/config/feature_options.h"

namespace calmspace {

double hz_to_mel(double hz, MelScale scale);
double mel_to_hz(double mel, MelScale scale);

// Dense (n_freqs, n_mels) row-major matrix in double, as melscale_fbanks returns it.
std::vector<double> melscale_fbanks(int n_freqs, double f_min, double f_max, int n_mels,
                                    int sample_rate, MelNorm norm, MelScale scale);

class MelFilterbank {
 public:
  // Filters for FeatureOptions (f_max == 0 means sample_rate // 2, as torchaudio's default).
  MelFilterbank(const FeatureOptions& options, int sample_rate);
  MelFilterbank(int n_freqs, int n_mels, const std::vector<double>& dense);

  int num_bins() const { return n_freqs_; }
  int num_mels() const { return n_mels_; }
  // Filter m is non-zero only on bins [begin(m), end(m)); empty when begin == end.
  int begin(int m) const { return begin_[static_cast<std::size_t>(m)]; }
  int end(int m) const { return end_[static_cast<std::size_t>(m)]; }
  float weight(int m, int bin) const;

  // power: num_bins() values -> mel: num_mels() values.
  void apply(const float* power, float* mel) const {
    for (int m = 0; m < n_mels_; ++m) {
      const float* w = weights_.data() + offset_[static_cast<std::size_t>(m)];
      const float* p = power + begin_[static_cast<std::size_t>(m)];
      const int len = end_[static_cast<std::size_t>(m)] - begin_[static_cast<std::size_t>(m)];
      float acc = 0.0f;
      for (int j = 0; j < len; ++j) acc += w[j] * p[j];
      mel[m] = acc;
    }
  }

 private:
  int n_freqs_ = 0;
  int n_mels_ = 0;
  std::vector<int> begin_, end_, offset_;
  std::vector<float> weights_;  // filter m's weights at weights_[offset_[m] + (bin - begin_[m])]
};

}  // namespace calmspace
