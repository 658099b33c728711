#include "core/dataset/augment.h"

#include <algorithm>
#include <cmath>

#include "core/audio/degrade.h"
#include "core/audio/ffmpeg_encode.h"
#include "core/audio/resample.h"
#include "core/base/error.h"
#include "core/base/rng.h"

namespace calmspace {

namespace {

// Rate the clip is pretended to have been recorded at for speed factor f.
int speed_source_rate(int sample_rate, double speed) {
  return static_cast<int>(std::lround(sample_rate * speed));
}

// Separate generators for the draws and the noise samples, so adding a draw never changes noise.
constexpr std::uint64_t kNoiseSubstream = 0x6e6f697365ull;   // "noise"
constexpr std::uint64_t kRoomSubstream = 0x726f6f6d73ull;    // "rooms"
constexpr std::uint64_t kBabbleSubstream = 0x626162626cull;  // "babbl"

}  // namespace

WaveformDraw draw_waveform(const AugmentOptions& options, std::uint64_t seed, std::int64_t epoch,
                           std::int64_t clip) {
  Rng rng(seed, RngStream::Waveform, epoch, clip);
  WaveformDraw d;
  // Fixed draw order, every draw always taken: a changed option never shifts the others.
  const double u_speed = rng.uniform();
  const double u_gain = rng.uniform();
  const double u_noise = rng.uniform();
  const double u_snr = rng.uniform();
  if (!options.speed_factors.empty()) {
    const auto n = options.speed_factors.size();
    d.speed = options.speed_factors[std::min(n - 1, static_cast<std::size_t>(u_speed * n))];
  }
  d.gain_db = options.gain_db > 0 ? (2.0 * u_gain - 1.0) * options.gain_db : 0.0;
  d.noise = u_noise < options.noise_prob;
  if (d.noise)
    d.snr_db =
        options.noise_snr_min_db + u_snr * (options.noise_snr_max_db - options.noise_snr_min_db);
  // Drawn after the four above, so configs without them augment exactly as before.
  const double u_reverb = rng.uniform();
  const double u_room = rng.uniform();
  const double u_babble = rng.uniform();
  const double u_babble_snr = rng.uniform();
  d.reverb = u_reverb < options.reverb_prob;
  if (d.reverb)
    d.room = std::min(options.reverb_rooms - 1, static_cast<int>(u_room * options.reverb_rooms));
  d.babble = u_babble < options.babble_prob;
  if (d.babble)
    d.babble_snr_db = options.babble_snr_min_db +
                      u_babble_snr * (options.babble_snr_max_db - options.babble_snr_min_db);
  // Drawn after the eight above, so configs without a codec augment exactly as before.
  const double u_codec = rng.uniform();
  const double u_codec_kind = rng.uniform();
  const double u_codec_rate = rng.uniform();
  d.codec = u_codec < options.codec_prob && !options.codec_kbps.empty();
  if (d.codec) {
    d.aac = u_codec_kind >= 0.5;
    const auto n = options.codec_kbps.size();
    const double kbps =
        options.codec_kbps[std::min(n - 1, static_cast<std::size_t>(u_codec_rate * n))];
    d.codec_bit_rate = static_cast<int>(std::lround(kbps * 1000));
  }
  return d;
}

std::int64_t augmented_length(std::int64_t samples, int sample_rate, const WaveformDraw& draw) {
  if (draw.speed == 1.0) return samples;
  return resampled_length(samples, speed_source_rate(sample_rate, draw.speed), sample_rate);
}

std::vector<std::vector<float>> room_bank(const AugmentOptions& options, std::uint64_t seed,
                                          int sample_rate) {
  std::vector<std::vector<float>> rooms;
  for (int k = 0; k < options.reverb_rooms; ++k) {
    const Room room = random_room(splitmix64(seed ^ splitmix64(kRoomSubstream + k)),
                                  options.reverb_rt60_min_s, options.reverb_rt60_max_s);
    rooms.push_back(room_impulse_response(room, sample_rate));
  }
  return rooms;
}

BabbleDraw draw_babble_talkers(const AugmentOptions& options, std::span<const int> speakers,
                               std::size_t self, std::uint64_t seed, std::int64_t epoch,
                               std::int64_t clip) {
  Rng rng({seed, static_cast<std::uint64_t>(RngStream::Waveform), kBabbleSubstream,
           static_cast<std::uint64_t>(epoch), static_cast<std::uint64_t>(clip)});
  BabbleDraw out;
  const int talkers = options.babble_talkers;
  for (int attempt = 0; static_cast<int>(out.positions.size()) < talkers &&
                        attempt < 50 * talkers && !speakers.empty();
       ++attempt) {
    const std::size_t j = rng.below(speakers.size());
    if (speakers[j] == speakers[self]) continue;
    out.positions.push_back(j);
    out.offsets.push_back(rng.below(std::uint64_t{1} << 32));
  }
  return out;
}

std::vector<float> augment_waveform(std::span<const float> samples, int sample_rate,
                                    const WaveformDraw& draw, ResampleQuality quality,
                                    std::uint64_t seed, std::int64_t epoch, std::int64_t clip,
                                    std::span<const float> room, std::span<const float> babble) {
  std::vector<float> out =
      draw.speed == 1.0
          ? std::vector<float>(samples.begin(), samples.end())
          : resample(samples, speed_source_rate(sample_rate, draw.speed), sample_rate, quality);
  if (draw.gain_db != 0.0) {
    const auto g = static_cast<float>(std::pow(10.0, draw.gain_db / 20.0));
    for (auto& v : out) v *= g;
  }
  if (draw.reverb && !room.empty()) out = reverberate(out, room);
  if (draw.babble && !babble.empty()) {
    CALMSPACE_CHECK(babble.size() >= out.size(), "babble shorter than the clip");
    out = add_noise_at_snr(out, babble.first(out.size()), draw.babble_snr_db);
  }
  if (draw.noise && !out.empty()) {
    double signal = 0;
    for (float v : out) signal += double(v) * v;
    if (signal > 0) {
      Rng rng({seed, static_cast<std::uint64_t>(RngStream::Waveform), kNoiseSubstream,
               static_cast<std::uint64_t>(epoch), static_cast<std::uint64_t>(clip)});
      std::vector<double> noise(out.size());
      double energy = 0;
      for (auto& n : noise) {
        n = rng.normal();
        energy += n * n;
      }
      // scale^2 * energy = signal / 10^(snr/10)
      const double scale = std::sqrt(signal / (energy * std::pow(10.0, draw.snr_db / 10.0)));
      for (std::size_t i = 0; i < out.size(); ++i)
        out[i] = static_cast<float>(out[i] + scale * noise[i]);
    }
  }
  if (draw.codec && !out.empty()) {
    const EncodeSpec spec = draw.aac ? EncodeSpec{"mp4", "aac", draw.codec_bit_rate, ""}
                                     : EncodeSpec{"webm", "libopus", draw.codec_bit_rate, ""};
    try {
      out = codec_round_trip(out, sample_rate, spec, quality);
    } catch (const InputError& e) {
      throw InputError("augment.codec_prob", cat(spec.encoder, " at ", draw.codec_bit_rate / 1000,
                                                 " kbit/s failed on clip ", clip, " in epoch ",
                                                 epoch + 1, ": ", e.what()));
    }
  }
  return out;
}

std::vector<MaskDraw> draw_masks(const AugmentOptions& options, std::int64_t frames,
                                 std::int64_t dim, std::uint64_t seed, std::int64_t epoch,
                                 std::int64_t clip) {
  Rng rng(seed, RngStream::SpecAugment, epoch, clip);
  std::vector<MaskDraw> masks;
  auto draw = [&](bool time, std::int64_t extent, int max_width) {
    const std::int64_t w_max = std::min<std::int64_t>(max_width, extent);
    const auto width = static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(w_max + 1)));
    const auto start =
        static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(extent - width + 1)));
    masks.push_back({time, start, width});
  };
  for (int i = 0; i < options.time_masks; ++i) draw(true, frames, options.time_mask_frames);
  for (int i = 0; i < options.freq_masks; ++i) draw(false, dim, options.freq_mask_bins);
  return masks;
}

std::vector<MaskDraw> spec_augment(FeatureMatrix& features, const AugmentOptions& options,
                                   std::uint64_t seed, std::int64_t epoch, std::int64_t clip) {
  if (options.time_masks == 0 && options.freq_masks == 0) return {};
  CALMSPACE_CHECK(static_cast<std::int64_t>(features.data.size()) == features.frames * features.dim,
                  "feature matrix size");
  auto masks = draw_masks(options, features.frames, features.dim, seed, epoch, clip);
  double sum = 0;
  for (float v : features.data) sum += v;
  const auto fill =
      features.data.empty() ? 0.0f : static_cast<float>(sum / double(features.data.size()));
  for (const auto& m : masks) {
    if (m.time) {
      std::fill(features.data.begin() + m.start * features.dim,
                features.data.begin() + (m.start + m.width) * features.dim, fill);
    } else {
      for (std::int64_t t = 0; t < features.frames; ++t)
        std::fill_n(features.data.begin() + t * features.dim + m.start, m.width, fill);
    }
  }
  return masks;
}

}  // namespace calmspace
