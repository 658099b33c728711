// What the world does to a voice before CalmSpace hears it, as seeded, reproducible transforms of
// mono float clips: a level change (with the clipping a real converter does), additive noise at
// an exact SNR, the 300-3400 Hz band of a telephone at 8 kHz, and a room's reverberation from a
// synthetic impulse response (the image method). The robustness check (core/eval/robustness.h)
// applies them one at a time to clean clips.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace calmspace {

// x * 10^(db/20), clipped to [-1, 1] when `clip` (a full-scale converter).
std::vector<float> apply_gain_db(std::span<const float> x, double db, bool clip = true);

// x + a * noise, with a such that 10 log10(sum x^2 / sum (a noise)^2) = snr_db exactly over the
// clip's length (`noise` is cycled when shorter). A silent clip or silent noise: x unchanged.
std::vector<float> add_noise_at_snr(std::span<const float> x, std::span<const float> noise,
                                    double snr_db);

// Gaussian white noise, unit variance, from `seed` (the same seed: the same noise).
std::vector<float> gaussian_noise(std::size_t n, std::uint64_t seed);

// Crowd-like noise of `length` samples: each talker's waveform scaled to unit RMS, read from its
// offset and cycled, all summed. Silent or empty talkers are skipped.
std::vector<float> mix_talkers(std::span<const std::vector<float>> talkers,
                               std::span<const std::size_t> offsets, std::size_t length);

// A narrowband telephone channel: to 8 kHz (libsoxr's anti-alias filter cuts above 4 kHz), a
// 300 Hz high-pass (2nd-order Butterworth), back to `sample_rate`. Same length as x.
std::vector<float> telephone_band(std::span<const float> x, int sample_rate);

// A shoebox room and the positions in it, in metres; walls absorb uniformly.
struct Room {
  double length = 6.0, width = 4.5, height = 3.0;
  double rt60_s = 0.5;  // reverberation time; the walls' reflection coefficient follows (Sabine)
  double source[3] = {2.0, 1.5, 1.6};
  double listener[3] = {4.2, 3.1, 1.2};
};

// Room impulse response by the image method (Allen & Berkley 1979, JASA 65(4)): every image
// source up to the reflection order the RT60 needs contributes beta^reflections / distance at
// its delay (fractional delays by a windowed sinc), length rt60_s; normalised to a direct-path
// peak of 1. A room a seed draws: `random_room`.
std::vector<float> room_impulse_response(const Room& room, int sample_rate);
// Room size 3-8 x 3-6 x 2.5-3.5 m, positions 0.5 m from the walls, rt60 in [rt60_min, rt60_max].
Room random_room(std::uint64_t seed, double rt60_min, double rt60_max);

// Linear convolution x * h, cut to x's length (FFT overlap-add with FFTW), rescaled to x's RMS so
// that the room changes the sound, not the level.
std::vector<float> reverberate(std::span<const float> x, std::span<const float> h);

}  // namespace calmspace
