#include "core/dataset/clip_source.h"

#include <algorithm>
#include <numeric>

#include "core/audio/degrade.h"
#include "core/base/error.h"
#include "core/base/parallel.h"
#include "core/dataset/augment.h"

namespace calmspace {

namespace {
constexpr std::size_t kExtractChunk = 64;  // clips per extract_batch call (bounds padded memory)
}

ClipSource::ClipSource(const DatasetFile& dataset, const Config& config,
                       std::vector<std::size_t> clips, bool augment)
    : dataset_(&dataset), config_(config), clips_(std::move(clips)), augment_(augment) {
  if (dataset.sample_rate() != config_.audio.sample_rate)
    throw InputError(dataset.path(),
                     cat("stores audio at ", dataset.sample_rate(), " Hz but audio.sample_rate is ",
                         config_.audio.sample_rate));
  for (std::size_t c : clips_) {
    CALMSPACE_CHECK(c < dataset.size(), "clip ", c, " of ", dataset.size());
    labels_.push_back(dataset.clips()[c].label);
    speakers_.push_back(dataset.clips()[c].speaker);
  }
  if (config_.audio.trim_db > 0)
    for (std::size_t c : clips_) kept_.push_back(kept_range(dataset.waveform(c), config_.audio));
  key_ = feature_set_key(config_.features);
  stored_ = kept_.empty() && dataset.has_feature_set(key_);
  feature_dim_ = config_.features.feature_dim(dataset.sample_rate());
}

ClipSource::~ClipSource() = default;
ClipSource::ClipSource(ClipSource&&) noexcept = default;

std::vector<float> ClipSource::waveform(std::size_t position) const {
  std::vector<float> samples = dataset_->waveform(clips_.at(position));
  if (!kept_.empty()) {
    const SampleRange r = kept_[position];
    CALMSPACE_CHECK(r.end <= static_cast<std::int64_t>(samples.size()), "clip ", clips_[position],
                    " has ", samples.size(), " samples, its kept range ends at ", r.end);
    samples.erase(samples.begin() + r.end, samples.end());
    samples.erase(samples.begin(), samples.begin() + r.begin);
  }
  return samples;
}

bool ClipSource::augments_waveforms() const {
  return augment_ && config_.augment.waveform_augmentation();
}

std::vector<std::int64_t> ClipSource::frames(std::int64_t epoch) const {
  const int rate = dataset_->sample_rate();
  std::vector<std::int64_t> out;
  out.reserve(clips_.size());
  for (std::size_t k = 0; k < clips_.size(); ++k) {
    const std::size_t c = clips_[k];
    std::int64_t n = kept_.empty() ? dataset_->clips()[c].length : kept_[k].size();
    if (augments_waveforms())
      n = augmented_length(
          n, rate,
          draw_waveform(config_.augment, config_.train.seed, epoch, static_cast<std::int64_t>(c)));
    out.push_back(config_.features.num_frames(n, rate));
  }
  return out;
}

std::vector<FeatureMatrix> ClipSource::extract(const std::vector<std::vector<float>>& waveforms) {
  if (!extractor_)
    extractor_ = make_feature_extractor(config_.features, dataset_->sample_rate(),
                                        config_.feature_device(), "features.device");
  std::vector<FeatureMatrix> out;
  out.reserve(waveforms.size());
  for (std::size_t i = 0; i < waveforms.size(); i += kExtractChunk) {
    std::vector<std::span<const float>> spans;
    for (std::size_t j = i; j < std::min(waveforms.size(), i + kExtractChunk); ++j)
      spans.emplace_back(waveforms[j]);
    const PaddedBatch batch = extractor_->extract_batch(spans);
    for (std::int64_t b = 0; b < batch.batch; ++b) {
      FeatureMatrix m;
      m.frames = batch.lengths[b];
      m.dim = batch.dim;
      const auto rows = batch.clip(b);
      m.data.assign(rows.begin(), rows.end());
      out.push_back(std::move(m));
    }
  }
  return out;
}

const std::vector<FeatureMatrix>& ClipSource::clean_features() {
  if (clean_ready_) return clean_;
  std::vector<std::size_t> every(clips_.size());
  std::iota(every.begin(), every.end(), std::size_t{0});
  clean_ = read_clean(every);
  if (const Cmvn mode = config_.features.speaker_norm; mode != Cmvn::None) {
    speaker_stats_ = speaker_stats(clean_, speakers_);
    if (const std::string& only = config_.features.speaker_norm_label; !only.empty()) {
      // The statistics of each speaker's clips of that label, where the speaker has some.
      const auto& names = dataset_->label_names();
      std::vector<FeatureMatrix> chosen;
      std::vector<int> whose;
      for (std::size_t k = 0; k < clean_.size(); ++k)
        if (names[static_cast<std::size_t>(labels_[k])] == only) {
          chosen.push_back(clean_[k]);
          whose.push_back(speakers_[k]);
        }
      for (auto& [speaker, stats] : speaker_stats(chosen, whose)) speaker_stats_[speaker] = stats;
    }
    for (std::size_t k = 0; k < clean_.size(); ++k)
      apply_speaker_norm(clean_[k], speaker_stats_.at(speakers_[k]), mode);
  }
  clean_ready_ = true;
  return clean_;
}

std::vector<FeatureMatrix> ClipSource::clean_features_of(std::span<const std::size_t> positions) {
  if (config_.features.speaker_norm != Cmvn::None)
    throw InputError("features.speaker_norm",
                     "needs every clip of a speaker: clean features are computed for the split");
  return read_clean(positions);
}

std::vector<FeatureMatrix> ClipSource::read_clean(std::span<const std::size_t> positions) {
  std::vector<FeatureMatrix> out;
  if (stored_) {
    for (const std::size_t p : positions) {
      FeatureMatrix m;
      m.dim = feature_dim_;
      m.data = dataset_->clip_features(key_, clips_.at(p));
      m.frames = static_cast<std::int64_t>(m.data.size()) / std::max(1, feature_dim_);
      out.push_back(std::move(m));
    }
    return out;
  }
  std::vector<std::vector<float>> waveforms;
  for (std::size_t i = 0; i < positions.size(); i += kExtractChunk) {
    waveforms.clear();
    for (std::size_t j = i; j < std::min(positions.size(), i + kExtractChunk); ++j)
      waveforms.push_back(waveform(positions[j]));
    for (auto& m : extract(waveforms)) out.push_back(std::move(m));
  }
  return out;
}

std::vector<FeatureMatrix> ClipSource::features(std::span<const std::size_t> positions,
                                                std::int64_t epoch) {
  std::vector<FeatureMatrix> out;
  const Cmvn speaker_norm = config_.features.speaker_norm;
  if (augments_waveforms()) {
    if (speaker_norm != Cmvn::None) clean_features();  // the speakers' clean statistics
    // Waveforms are read serially (one HDF5 file), augmented in parallel; each clip's result
    // depends only on (seed, epoch, clip), not on the thread that made it.
    const int rate = dataset_->sample_rate();
    const AugmentOptions& a = config_.augment;
    const std::uint64_t seed = config_.train.seed;
    std::vector<std::vector<float>> waveforms(positions.size());
    std::vector<WaveformDraw> draws(positions.size());
    std::vector<BabbleDraw> babble(positions.size());
    std::vector<std::vector<std::vector<float>>> talkers(positions.size());
    for (std::size_t k = 0; k < positions.size(); ++k) {
      const auto c = static_cast<std::int64_t>(clips_.at(positions[k]));
      waveforms[k] = waveform(positions[k]);
      draws[k] = draw_waveform(a, seed, epoch, c);
      if (draws[k].reverb && rooms_.empty()) rooms_ = room_bank(a, seed, rate);
      if (draws[k].babble) {
        babble[k] = draw_babble_talkers(a, speakers_, positions[k], seed, epoch, c);
        for (std::size_t p : babble[k].positions) talkers[k].push_back(waveform(p));
      }
    }
    parallel_for(
        static_cast<std::int64_t>(positions.size()), config_.train.num_threads,
        [&](std::int64_t k) {
          const auto c = static_cast<std::int64_t>(clips_[positions[k]]);
          const WaveformDraw& d = draws[k];
          const auto n = static_cast<std::size_t>(
              augmented_length(static_cast<std::int64_t>(waveforms[k].size()), rate, d));
          const std::vector<float> crowd =
              d.babble ? mix_talkers(talkers[k], babble[k].offsets, n) : std::vector<float>{};
          const std::span<const float> room =
              d.reverb ? std::span<const float>(rooms_[static_cast<std::size_t>(d.room)])
                       : std::span<const float>{};
          waveforms[k] = augment_waveform(waveforms[k], rate, d, config_.audio.resample_quality,
                                          seed, epoch, c, room, crowd);
        });
    out = extract(waveforms);
    if (speaker_norm != Cmvn::None)
      for (std::size_t k = 0; k < positions.size(); ++k)
        apply_speaker_norm(out[k], speaker_stats_.at(speakers_[positions[k]]), speaker_norm);
  } else if (!cache_clean_ && speaker_norm == Cmvn::None) {
    out = clean_features_of(positions);
  } else {
    const auto& clean = clean_features();
    for (std::size_t p : positions) out.push_back(clean.at(p));
  }
  if (augment_)
    for (std::size_t k = 0; k < positions.size(); ++k)
      spec_augment(out[k], config_.augment, config_.train.seed, epoch,
                   static_cast<std::int64_t>(clips_[positions[k]]));
  return out;
}

}  // namespace calmspace
