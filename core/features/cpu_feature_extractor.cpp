#include "core/features/cpu_feature_extractor.h"

#include <algorithm>
#include <cmath>
#include <memory>

#include "core/base/error.h"
#include "core/base/parallel.h"
#include "core/features/deltas.h"
#include "core/features/preprocess.h"
#include "core/features/recording_norm.h"
#include "core/features/window.h"

namespace calmspace {

namespace {

// Frames per block: the windowed frames and their spectra of one block stay in L1/L2.
constexpr int kBlockFrames = 8;

const FeatureOptions& validated(const FeatureOptions& options, int sample_rate) {
  if (sample_rate < 1) throw InputError("audio.sample_rate", "must be >= 1");
  options.validate(sample_rate);
  return options;
}

}  // namespace

CpuFeatureExtractor::CpuFeatureExtractor(const FeatureOptions& options, int sample_rate)
    : options_(validated(options, sample_rate)),
      sample_rate_(sample_rate),
      layout_(FrameLayout::from(options, sample_rate)),
      bins_(options.num_bins(sample_rate)),
      spectral_dim_(options.spectral_dim(sample_rate)),
      base_dim_(options.base_dim(sample_rate)),
      feature_dim_(options.feature_dim(sample_rate)),
      window_(make_window(options.window, layout_.win)),
      fft_(layout_.n_fft),
      log_(options.log_floor),
      prosody_(ProsodyColumns::of(options, sample_rate)) {
  if (prosody_.any()) ones_.assign(static_cast<std::size_t>(layout_.win), 1.0f);
  if (prosody_.pitch >= 0) pitch_.emplace(options_, sample_rate_);
  if (options_.kind != FeatureKind::Spectrogram) mel_.emplace(options_, sample_rate_);
  if (options_.kind == FeatureKind::Mfcc)
    dct_.emplace(options_.n_mfcc, options_.n_mels, options_.lifter);
}

void CpuFeatureExtractor::condition(std::span<float> samples, float previous,
                                    std::int64_t first_index) const {
  preemphasize(samples, options_.preemphasis, previous);
  add_dither(samples, options_.dither, options_.dither_seed,
             static_cast<std::uint64_t>(first_index));
}

void CpuFeatureExtractor::base_rows(const SignalView& signal, std::int64_t first,
                                    std::int64_t count, float* out, int out_stride,
                                    int threads) const {
  // Tasks of kTaskFrames frames (about 5 ms of work each), each with its own workspace.
  constexpr std::int64_t kTaskFrames = 512;
  const std::int64_t tasks = (count + kTaskFrames - 1) / kTaskFrames;
  parallel_for(tasks, threads, [&](std::int64_t task) {
    const int frame_stride = aligned_stride(layout_.n_fft);
    const int spectrum_stride = aligned_stride(2 * bins_);
    AlignedFloats frame_buf(static_cast<std::size_t>(kBlockFrames) * frame_stride);
    AlignedFloats spectrum_buf(static_cast<std::size_t>(spectrum_stride));
    std::vector<float> power(static_cast<std::size_t>(bins_));
    std::vector<float> mel(mel_ ? static_cast<std::size_t>(mel_->num_mels()) : 0);
    AlignedFloats raw_buf(prosody_.any() ? static_cast<std::size_t>(kBlockFrames) * frame_stride
                                         : 0);
    std::vector<float> pitch_scratch;
    const std::int64_t task_end = std::min(count, (task + 1) * kTaskFrames);
    for (std::int64_t t0 = task * kTaskFrames; t0 < task_end; t0 += kBlockFrames) {
      const int n = static_cast<int>(std::min<std::int64_t>(kBlockFrames, task_end - t0));
      fill_frames(signal, layout_, window_.data(), first + t0, n, frame_buf.data(), frame_stride);
      for (int k = 0; k < n; ++k) {
        float* row = out + (t0 + k) * out_stride;
        fft_.forward(frame_buf.data() + static_cast<std::ptrdiff_t>(k) * frame_stride,
                     spectrum_buf.data());
        switch (options_.kind) {
          case FeatureKind::Spectrogram:
            spectrum_values(spectrum_buf.data(), bins_, options_.spectrum, row);
            log_.apply(row, bins_);
            break;
          case FeatureKind::LogMel:
            spectrum_values(spectrum_buf.data(), bins_, options_.spectrum, power.data());
            mel_->apply(power.data(), row);
            log_.apply(row, spectral_dim_);
            break;
          case FeatureKind::Mfcc:
            spectrum_values(spectrum_buf.data(), bins_, options_.spectrum, power.data());
            mel_->apply(power.data(), mel.data());
            log_.apply(mel.data(), mel_->num_mels());
            dct_->apply(mel.data(), row);
            break;
        }
      }
      if (prosody_.any()) {
        fill_frames(signal, layout_, ones_.data(), first + t0, n, raw_buf.data(), frame_stride);
        for (int k = 0; k < n; ++k) {
          float* row = out + (t0 + k) * out_stride;
          const float* raw = raw_buf.data() + static_cast<std::ptrdiff_t>(k) * frame_stride +
                             layout_.window_offset;
          if (pitch_) {
            const PitchEstimate p = pitch_->estimate(raw, pitch_scratch);
            row[prosody_.pitch] = p.voicing;
            row[prosody_.pitch + 1] = std::log(p.f0_hz);
          }
          if (prosody_.energy >= 0)
            row[prosody_.energy] = frame_log_energy(raw, layout_.win, options_.log_floor);
        }
      }
    }
  });
}

void CpuFeatureExtractor::extract_into(std::span<const float> clip, float* out, int threads) const {
  const std::int64_t frames = layout_.num_frames(static_cast<std::int64_t>(clip.size()));
  if (frames == 0) return;

  std::span<const float> signal = clip;
  std::vector<float> conditioned;
  if (conditions_samples()) {
    conditioned.assign(clip.begin(), clip.end());
    condition(conditioned, 0.0f, 0);
    signal = conditioned;
  }
  base_rows(SignalView::whole(signal), 0, frames, out, feature_dim_, threads);
  if (options_.deltas >= 1)
    compute_deltas(out, feature_dim_, out + base_dim_, feature_dim_, frames, base_dim_,
                   options_.delta_window);
  if (options_.deltas >= 2)
    compute_deltas(out + base_dim_, feature_dim_, out + 2 * base_dim_, feature_dim_, frames,
                   base_dim_, options_.delta_window);
  finish_recording(out, frames, options_, sample_rate_);
}

PaddedBatch CpuFeatureExtractor::extract_batch(std::span<const std::span<const float>> clips) {
  PaddedBatch batch;
  batch.batch = static_cast<std::int64_t>(clips.size());
  batch.dim = feature_dim_;
  batch.lengths.resize(clips.size());
  for (std::size_t b = 0; b < clips.size(); ++b) {
    batch.lengths[b] = layout_.num_frames(static_cast<std::int64_t>(clips[b].size()));
    batch.max_frames = std::max(batch.max_frames, batch.lengths[b]);
  }
  batch.data.assign(static_cast<std::size_t>(batch.batch * batch.max_frames * batch.dim), 0.0f);
  float* data = batch.data.data();
  const std::int64_t clip_stride = batch.max_frames * batch.dim;
  // Fewer clips than threads (one long recording): each clip's frames share the rest.
  const int threads = resolve_threads(options_.num_threads);
  const int per_clip = std::max<int>(1, threads / std::max<int>(1, static_cast<int>(batch.batch)));
  parallel_for(batch.batch, threads,
               [&](std::int64_t b) { extract_into(clips[b], data + b * clip_stride, per_clip); });
  return batch;
}

std::unique_ptr<FeatureExtractor> make_cpu_feature_extractor(const FeatureOptions& options,
                                                             int sample_rate) {
  return std::make_unique<CpuFeatureExtractor>(options, sample_rate);
}

}  // namespace calmspace
