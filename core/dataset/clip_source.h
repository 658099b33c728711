// The clips of one split as (T, F) features for training and evaluation.
//   Clean features come from the dataset's stored feature set when it has one made with the
//   config's feature options (feature_set_key(config.features)), else they are computed from the
//   waveforms by the extractor config.feature_device() picks (the CUDA kernels where the model
//   trains on the GPU); either way they are cached in memory on first use.
//   With augment = true (the training split): when the config has waveform augmentation
//   (augment.waveform_augmentation()), every epoch's features are recomputed from the augmented
//   waveform (augment.h; draws keyed by (train.seed, epoch, dataset clip index)); SpecAugment
//   masks (augment.time_masks / freq_masks) are applied on top, also per (seed, epoch, clip).
//   Babble takes other speakers' clips of this split; reverberation one of the seed's rooms.
//   With augment = false the clean cached features are returned unchanged.
//   With audio.trim_db set, every clip's leading and trailing silence is cut first (trim.h), as
//   predict cuts a recording's: the kept range of each clip is found once, as the source is made
//   (one read of the split's audio), and augmentation works on the kept samples. A dataset's
//   stored feature set holds untrimmed clips' features, so it is not used then.
//   With features.speaker_norm set, every clip (clean or augmented) is normalised with its
//   speaker's statistics over the clean features of this source's clips (speaker_norm.h): a
//   split holds whole speakers, so a test speaker's statistics come from that speaker's own
//   unlabelled clips, never from another split. With features.speaker_norm_label, only the
//   speaker's clips of that label count (all of them for a speaker who has none).
// The DatasetFile must outlive the source. Not thread-safe (use one source per thread).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/audio/trim.h"
#include "core/base/tensor.h"
#include "core/config/config.h"
#include "core/dataset/dataset_file.h"
#include "core/features/feature_extractor.h"
#include "core/features/speaker_norm.h"

namespace calmspace {

class ClipSource {
 public:
  // `clips`: dataset clip indices of the split. Throws InputError(dataset path, ...) when the
  // dataset's sample rate differs from audio.sample_rate.
  ClipSource(const DatasetFile& dataset, const Config& config, std::vector<std::size_t> clips,
             bool augment);
  ~ClipSource();
  ClipSource(ClipSource&&) noexcept;
  ClipSource& operator=(ClipSource&&) = delete;

  std::size_t size() const { return clips_.size(); }
  // Dataset clip index and label of position k.
  std::size_t clip(std::size_t k) const { return clips_[k]; }
  const std::vector<std::size_t>& clips() const { return clips_; }
  const std::vector<int>& labels() const { return labels_; }
  int feature_dim() const { return feature_dim_; }
  // True when clean features are read from the dataset's stored feature set.
  bool uses_stored_features() const { return stored_; }
  // The backend that computed features so far ("cpu", "cuda"), or "" before any was computed.
  std::string feature_backend() const { return extractor_ ? extractor_->backend_name() : ""; }
  const std::string& feature_key() const { return key_; }
  // True when features are recomputed from augmented waveforms every epoch.
  bool augments_waveforms() const;

  // Frame count of each position in `epoch` (after speed perturbation when it applies): what
  // features() returns, so batches can be bucketed before any feature is computed.
  std::vector<std::int64_t> frames(std::int64_t epoch) const;

  // (T, F) features of `positions` for `epoch` (augmented when this source augments).
  std::vector<FeatureMatrix> features(std::span<const std::size_t> positions, std::int64_t epoch);

  // Clean features of every position, loaded / computed once (in chunks, extractor threads).
  const std::vector<FeatureMatrix>& clean_features();
  // Clean features of `positions` only, read (stored features: those clips' rows) or computed
  // from their waveforms now, never cached. Without features.speaker_norm (whose statistics need
  // every clip of a speaker) only; InputError otherwise.
  std::vector<FeatureMatrix> clean_features_of(std::span<const std::size_t> positions);
  // With `cache` false (a data-parallel rank, core/train/data_parallel_step.h) features() reads
  // or computes only the positions asked for instead of caching every clean clip, so a rank's
  // memory holds its batches, not the split. Ignored with features.speaker_norm.
  void set_cache_clean(bool cache) { cache_clean_ = cache; }

 private:
  std::vector<FeatureMatrix> extract(const std::vector<std::vector<float>>& waveforms);
  // Position k's samples as the model sees them: the dataset's clip, trimmed when
  // audio.trim_db says (before any augmentation).
  std::vector<float> waveform(std::size_t position) const;
  // Clean features of `positions` before any speaker normalisation, uncached.
  std::vector<FeatureMatrix> read_clean(std::span<const std::size_t> positions);

  const DatasetFile* dataset_;
  Config config_;
  std::vector<std::size_t> clips_;
  std::vector<int> labels_;
  std::vector<SampleRange> kept_;  // audio.trim_db: each position's kept samples; empty when off
  bool augment_;
  bool stored_ = false;
  std::string key_;
  int feature_dim_ = 0;
  std::unique_ptr<FeatureExtractor> extractor_;  // created on first need
  std::vector<FeatureMatrix> clean_;
  bool clean_ready_ = false;
  bool cache_clean_ = true;
  std::vector<int> speakers_;                  // speaker of each position (babble, speaker_norm)
  std::map<int, FeatureStats> speaker_stats_;  // features.speaker_norm: per speaker, clean
  std::vector<std::vector<float>> rooms_;      // room_bank(), made on the first reverberated clip
};

}  // namespace calmspace
