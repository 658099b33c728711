#include "core/audio/degrade.h"

#include <fftw3.h>

#include <algorithm>
#include <cmath>
#include <numbers>

#include "core/audio/resample.h"
#include "core/base/error.h"
#include "core/base/fftw_planner.h"
#include "core/base/rng.h"
#include "core/base/unique_handle.h"

namespace calmspace {
namespace {

constexpr double kSpeedOfSound = 343.0;  // m/s

double energy(std::span<const float> x) {
  double e = 0;
  for (float v : x) e += double(v) * v;
  return e;
}

// RBJ biquad high-pass (Butterworth Q), Direct Form I, in place.
void high_pass(std::vector<float>& x, double cutoff_hz, int rate) {
  const double w = 2 * std::numbers::pi * cutoff_hz / rate, q = std::numbers::sqrt2 / 2;
  const double alpha = std::sin(w) / (2 * q), c = std::cos(w), a0 = 1 + alpha;
  const double b0 = (1 + c) / 2 / a0, b1 = -(1 + c) / a0, b2 = b0;
  const double a1 = -2 * c / a0, a2 = (1 - alpha) / a0;
  double x1 = 0, x2 = 0, y1 = 0, y2 = 0;
  for (float& v : x) {
    const double y = b0 * v + b1 * x1 + b2 * x2 - a1 * y1 - a2 * y2;
    x2 = x1;
    x1 = v;
    y2 = y1;
    y1 = y;
    v = static_cast<float>(y);
  }
}

struct FftwPlanTraits {
  using Handle = fftwf_plan;
  static fftwf_plan null() noexcept { return nullptr; }
  static void close(fftwf_plan p) noexcept {
    std::lock_guard lock(fftw_planner_mutex());
    fftwf_destroy_plan(p);
  }
};

}  // namespace

std::vector<float> apply_gain_db(std::span<const float> x, double db, bool clip) {
  const auto g = static_cast<float>(std::pow(10.0, db / 20.0));
  std::vector<float> y(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) {
    const float v = x[i] * g;
    y[i] = clip ? std::clamp(v, -1.0f, 1.0f) : v;
  }
  return y;
}

std::vector<float> add_noise_at_snr(std::span<const float> x, std::span<const float> noise,
                                    double snr_db) {
  std::vector<float> y(x.begin(), x.end());
  if (x.empty() || noise.empty()) return y;
  const double signal = energy(x);
  double noise_energy = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double v = noise[i % noise.size()];
    noise_energy += v * v;
  }
  if (signal <= 0 || noise_energy <= 0) return y;
  const double a = std::sqrt(signal / (noise_energy * std::pow(10.0, snr_db / 10.0)));
  for (std::size_t i = 0; i < x.size(); ++i)
    y[i] = static_cast<float>(y[i] + a * noise[i % noise.size()]);
  return y;
}

std::vector<float> gaussian_noise(std::size_t n, std::uint64_t seed) {
  Rng rng({seed, 0x6e6f697365ull});  // "noise"
  std::vector<float> out(n);
  for (float& v : out) v = static_cast<float>(rng.normal());
  return out;
}

std::vector<float> telephone_band(std::span<const float> x, int sample_rate) {
  constexpr int kPhoneRate = 8000;
  std::vector<float> narrow = resample(x, sample_rate, kPhoneRate, ResampleQuality::High);
  high_pass(narrow, 300.0, kPhoneRate);
  std::vector<float> back = resample(narrow, kPhoneRate, sample_rate, ResampleQuality::High);
  back.resize(x.size(), 0.0f);
  return back;
}

std::vector<float> room_impulse_response(const Room& room, int sample_rate) {
  const double L[3] = {room.length, room.width, room.height};
  for (int d = 0; d < 3; ++d)
    if (!(L[d] > 0) || room.source[d] <= 0 || room.source[d] >= L[d] || room.listener[d] <= 0 ||
        room.listener[d] >= L[d])
      throw InputError("room", "source and listener must lie inside a room of positive size");
  if (!(room.rt60_s > 0)) throw InputError("room.rt60_s", "must be > 0");
  // Sabine: RT60 = 0.161 V / (S alpha); reflection coefficient beta = sqrt(1 - alpha).
  const double volume = L[0] * L[1] * L[2];
  const double surface = 2 * (L[0] * L[1] + L[0] * L[2] + L[1] * L[2]);
  const double alpha = std::min(1.0, 0.161 * volume / (surface * room.rt60_s));
  const double beta = std::sqrt(1.0 - alpha);
  const auto length = static_cast<std::size_t>(std::ceil(room.rt60_s * sample_rate));
  std::vector<double> h(length, 0.0);
  const double max_distance = kSpeedOfSound * room.rt60_s;
  constexpr int kHalfSinc = 8;  // fractional delay: Hann-windowed sinc over +-8 samples
  int limit[3];
  for (int d = 0; d < 3; ++d) limit[d] = static_cast<int>(std::ceil(max_distance / (2 * L[d]))) + 1;
  for (int px = 0; px < 2; ++px)
    for (int py = 0; py < 2; ++py)
      for (int pz = 0; pz < 2; ++pz)
        for (int mx = -limit[0]; mx <= limit[0]; ++mx)
          for (int my = -limit[1]; my <= limit[1]; ++my)
            for (int mz = -limit[2]; mz <= limit[2]; ++mz) {
              const int p[3] = {px, py, pz}, m[3] = {mx, my, mz};
              double dist2 = 0;
              int reflections = 0;
              for (int d = 0; d < 3; ++d) {
                const double image = (1 - 2 * p[d]) * room.source[d] + 2 * m[d] * L[d];
                dist2 += (image - room.listener[d]) * (image - room.listener[d]);
                reflections += std::abs(m[d] - p[d]) + std::abs(m[d]);
              }
              const double dist = std::sqrt(dist2);
              if (dist > max_distance) continue;
              const double delay = dist / kSpeedOfSound * sample_rate;
              const double gain = std::pow(beta, reflections) / (4 * std::numbers::pi * dist);
              const auto centre = static_cast<long>(std::floor(delay));
              for (long k = centre - kHalfSinc + 1; k <= centre + kHalfSinc; ++k) {
                if (k < 0 || k >= static_cast<long>(length)) continue;
                const double t = static_cast<double>(k) - delay;
                const double sinc =
                    t == 0 ? 1.0 : std::sin(std::numbers::pi * t) / (std::numbers::pi * t);
                const double window = 0.5 * (1 + std::cos(std::numbers::pi * t / (kHalfSinc + 1)));
                h[static_cast<std::size_t>(k)] += gain * sinc * window;
              }
            }
  double peak = 0;
  for (double v : h) peak = std::max(peak, std::abs(v));
  std::vector<float> out(length);
  for (std::size_t i = 0; i < length; ++i)
    out[i] = static_cast<float>(peak > 0 ? h[i] / peak : 0.0);
  return out;
}

std::vector<float> mix_talkers(std::span<const std::vector<float>> talkers,
                               std::span<const std::size_t> offsets, std::size_t length) {
  std::vector<float> noise(length, 0.0f);
  for (std::size_t t = 0; t < talkers.size(); ++t) {
    const std::vector<float>& w = talkers[t];
    double energy = 0;
    for (float v : w) energy += double(v) * v;
    if (w.empty() || energy <= 0) continue;
    const double scale = 1.0 / std::sqrt(energy / static_cast<double>(w.size()));
    const std::size_t offset = offsets[t] % w.size();
    for (std::size_t i = 0; i < length; ++i)
      noise[i] += static_cast<float>(scale * w[(offset + i) % w.size()]);
  }
  return noise;
}

Room random_room(std::uint64_t seed, double rt60_min, double rt60_max) {
  Rng rng({seed, 0x726f6f6dull});  // "room"
  Room r;
  r.length = rng.uniform(3.0, 8.0);
  r.width = rng.uniform(3.0, 6.0);
  r.height = rng.uniform(2.5, 3.5);
  r.rt60_s = rng.uniform(rt60_min, rt60_max);
  const double L[3] = {r.length, r.width, r.height};
  for (int d = 0; d < 3; ++d) {
    r.source[d] = rng.uniform(0.5, L[d] - 0.5);
    r.listener[d] = rng.uniform(0.5, L[d] - 0.5);
  }
  return r;
}

std::vector<float> reverberate(std::span<const float> x, std::span<const float> h) {
  if (x.empty() || h.empty()) return {x.begin(), x.end()};
  const std::size_t full = x.size() + h.size() - 1;
  std::size_t n = 1;
  while (n < full) n <<= 1;
  const std::size_t bins = n / 2 + 1;
  float* a = fftwf_alloc_real(n);
  float* b = fftwf_alloc_real(n);
  fftwf_complex* A = fftwf_alloc_complex(bins);
  fftwf_complex* B = fftwf_alloc_complex(bins);
  struct Free {
    float *a, *b;
    fftwf_complex *A, *B;
    ~Free() {
      fftwf_free(a);
      fftwf_free(b);
      fftwf_free(A);
      fftwf_free(B);
    }
  } free_all{a, b, A, B};
  if (!a || !b || !A || !B) throw std::bad_alloc();
  UniqueHandle<FftwPlanTraits> forward_a, forward_b, inverse;
  {
    std::lock_guard lock(fftw_planner_mutex());
    const int size = static_cast<int>(n);
    forward_a.reset(fftwf_plan_dft_r2c_1d(size, a, A, FFTW_ESTIMATE));
    forward_b.reset(fftwf_plan_dft_r2c_1d(size, b, B, FFTW_ESTIMATE));
    inverse.reset(fftwf_plan_dft_c2r_1d(size, A, a, FFTW_ESTIMATE));
  }
  CALMSPACE_CHECK(forward_a && forward_b && inverse, "FFTW planning failed for n = ", n);
  std::fill(a, a + n, 0.0f);
  std::fill(b, b + n, 0.0f);
  std::copy(x.begin(), x.end(), a);
  std::copy(h.begin(), h.end(), b);
  fftwf_execute(forward_a.get());
  fftwf_execute(forward_b.get());
  for (std::size_t k = 0; k < bins; ++k) {
    const float re = A[k][0] * B[k][0] - A[k][1] * B[k][1];
    const float im = A[k][0] * B[k][1] + A[k][1] * B[k][0];
    A[k][0] = re;
    A[k][1] = im;
  }
  fftwf_execute(inverse.get());  // unnormalised: n times the convolution
  std::vector<float> y(a, a + x.size());
  const double ex = energy(x), ey = energy(y);
  const double scale = ey > 0 ? std::sqrt(ex / ey) : 0.0;
  for (float& v : y) v = static_cast<float>(v * scale);
  return y;
}

}  // namespace calmspace
