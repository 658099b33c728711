// On-the-fly augmentation of training clips (config section `augment`). Every draw comes from
// Rng(train.seed, stream, epoch, clip index in the dataset), so a clip gets the same
// augmentation in the same epoch whatever the thread count or batch order.
//
// Waveform (applied in this order, before feature extraction):
//   1. speed perturbation: factor f drawn uniformly from speed_factors; the clip is treated as
//      recorded at round(rate * f) Hz and resampled to `rate` (Kaldi / torchaudio speed
//      perturb): length becomes resampled_length(n, round(rate * f), rate) ~ n / f, pitch shifts.
//   2. gain: uniform in [-gain_db, +gain_db] dB, x *= 10^(g / 20).
//   3. reverberation with probability reverb_prob: the clip convolved with room `room` of
//      room_bank() (image-method impulse responses, RT60 in [reverb_rt60_min_s,
//      reverb_rt60_max_s]), at the clip's RMS (core/audio/degrade.h reverberate);
//   4. babble with probability babble_prob: babble_talkers clips of other speakers of the
//      training split (draw_babble_talkers), summed at unit RMS from drawn offsets (mix_talkers),
//      added at an SNR uniform in [babble_snr_min_db, babble_snr_max_db];
//   5. white noise with probability noise_prob at an SNR uniform in
//      [noise_snr_min_db, noise_snr_max_db]: Gaussian noise scaled so that
//      10 log10(sum x^2 / sum n^2) is exactly the drawn SNR (torchaudio.functional.add_noise).
//      A silent clip (zero energy) gets no noise: its SNR is undefined.
//   6. a codec with probability codec_prob: Opus in WebM or AAC in MP4 (equally likely) at a bit
//      rate drawn from codec_kbps, encoded and decoded in memory by FFmpeg
//      (core/audio/ffmpeg_encode.h), cut or zero-padded to the clip's length. The encoder
//      clips samples to [-1, 1], as a browser's would; Opus's 48 kHz output is resampled at the
//      resample quality given. Both encoders are deterministic: the same draw, the same samples.
//      A failed encode or decode is an InputError naming augment.codec_prob, the clip and epoch.
// Features (SpecAugment, Park et al. 2019), on a clip's (T, F) rows:
//   time_masks masks of width w ~ uniform{0..min(time_mask_frames, T)} starting at
//   t0 ~ uniform{0..T-w}; then freq_masks masks of width ~ uniform{0..min(freq_mask_bins, F)}.
//   Masked values are set to the clip's mean over all its (unmasked) values, as SpeechBrain's
//   SpecAugment does without replace_with_zero: features reach the model un-normalised (the
//   model applies the training-set input_norm itself), so filling with 0 would insert an
//   out-of-range log-power value instead of a neutral one.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "core/base/tensor.h"
#include "core/config/audio_options.h"
#include "core/config/train_options.h"

namespace calmspace {

// The waveform draws for one (seed, epoch, clip).
struct WaveformDraw {
  double speed = 1.0;    // speed factor (1 = unchanged)
  double gain_db = 0.0;  // applied gain in dB
  bool noise = false;    // whether noise is added
  double snr_db = 0.0;   // SNR of the added noise, dB (when noise)
  bool reverb = false;   // whether a room is applied
  int room = 0;          // which room of room_bank() (when reverb)
  bool babble = false;   // whether babble is added
  double babble_snr_db = 0.0;
  bool codec = false;      // whether the clip goes through a codec
  bool aac = false;        // AAC in MP4 (else Opus in WebM), when codec
  int codec_bit_rate = 0;  // bit/s, when codec
  bool operator==(const WaveformDraw&) const = default;
};

WaveformDraw draw_waveform(const AugmentOptions& options, std::uint64_t seed, std::int64_t epoch,
                           std::int64_t clip);

// Length in samples after the speed perturbation of `draw` (what augment_waveform returns).
std::int64_t augmented_length(std::int64_t samples, int sample_rate, const WaveformDraw& draw);

// The rooms of reverberation augmentation: reverb_rooms impulse responses at `sample_rate`,
// drawn from the training seed alone (the same rooms every epoch and run).
std::vector<std::vector<float>> room_bank(const AugmentOptions& options, std::uint64_t seed,
                                          int sample_rate);

// The babble talkers of (seed, epoch, clip): babble_talkers positions into `speakers` (the
// training split's speaker of each clip; `self` = this clip's position) whose speaker differs
// from this clip's, and an offset draw (in [0, 2^32)) for each. Fewer when the split has no
// other speaker.
struct BabbleDraw {
  std::vector<std::size_t> positions;
  std::vector<std::size_t> offsets;
};
BabbleDraw draw_babble_talkers(const AugmentOptions& options, std::span<const int> speakers,
                               std::size_t self, std::uint64_t seed, std::int64_t epoch,
                               std::int64_t clip);

// Applies `draw` to mono `samples` at `sample_rate` Hz. The noise samples come from the same
// (seed, epoch, clip) key. `room`: the impulse response of draw.room (when draw.reverb);
// `babble`: the talkers' mix_talkers() noise, at least as long as the clip after speed
// perturbation (when draw.babble). Returns augmented_length(...) samples.
std::vector<float> augment_waveform(std::span<const float> samples, int sample_rate,
                                    const WaveformDraw& draw, ResampleQuality quality,
                                    std::uint64_t seed, std::int64_t epoch, std::int64_t clip,
                                    std::span<const float> room = {},
                                    std::span<const float> babble = {});

// One SpecAugment mask: rows [start, start + width) or bins [start, start + width).
struct MaskDraw {
  bool time = true;
  std::int64_t start = 0;
  std::int64_t width = 0;
  bool operator==(const MaskDraw&) const = default;
};

// The masks for a clip of `frames` x `dim` (time masks first, then frequency masks).
std::vector<MaskDraw> draw_masks(const AugmentOptions& options, std::int64_t frames,
                                 std::int64_t dim, std::uint64_t seed, std::int64_t epoch,
                                 std::int64_t clip);

// Applies the masks of draw_masks(...) to `features` in place (fill: the clip's mean before
// masking). Returns the masks applied. No-op when time_masks = freq_masks = 0.
std::vector<MaskDraw> spec_augment(FeatureMatrix& features, const AugmentOptions& options,
                                   std::uint64_t seed, std::int64_t epoch, std::int64_t clip);

}  // namespace calmspace
