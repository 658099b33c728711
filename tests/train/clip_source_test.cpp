// ClipSource: computed vs stored features, caching, per-epoch augmentation independent of threads.
#include "core/dataset/clip_source.h"

#include <gtest/gtest.h>

#include "core/base/error.h"
#include "core/dataset/augment.h"
#include "support/test_support.h"

namespace calmspace {
namespace {

using testing::ScratchDir;

constexpr int kRate = 16000;
constexpr int kClips = 6;

std::vector<float> clip_samples(int i) {
  auto x = testing::sine(200.0 + 150 * i, 0.2 + 0.05 * i, kRate, 0.3);
  const auto n = testing::white_noise(static_cast<std::int64_t>(x.size()), 0.05, 10 + i);
  for (std::size_t k = 0; k < x.size(); ++k) x[k] += n[k];
  return x;
}

Config small_config() {
  Config c;
  c.features.n_mels = 16;
  c.features.num_threads = 1;
  c.train.num_threads = 1;
  c.train.seed = 11;
  return c;
}

// clip_samples(i) between `pad_s` seconds of digital silence before and half as much after.
std::vector<float> padded_samples(int i, double pad_s) {
  std::vector<float> x(static_cast<std::size_t>(pad_s * kRate), 0.0f);
  const auto clip = clip_samples(i);
  x.insert(x.end(), clip.begin(), clip.end());
  x.resize(x.size() + static_cast<std::size_t>(pad_s / 2 * kRate), 0.0f);
  return x;
}

// Writes kClips clips (2 speakers per fold, 3 folds), padded with pad_s seconds of silence;
// optionally a feature set for `stored`.
void write_dataset(const std::string& path, const FeatureOptions* stored = nullptr,
                   double pad_s = 0.0) {
  DatasetHeader h;
  h.corpus = "csv";
  h.sample_rate = kRate;
  h.label_names = {"calm", "angry"};
  h.speaker_names = {"s0", "s1", "s2", "s3", "s4", "s5"};
  h.speaker_fold = {0, 0, 1, 1, 2, 2};
  h.num_folds = 3;
  DatasetWriter w(path, h);
  for (int i = 0; i < kClips; ++i) {
    ClipInfo c;
    c.label = i % 2;
    c.speaker = i;
    c.fold = i / 2;
    c.utterance_id = "u" + std::to_string(i);
    w.append(c, padded_samples(i, pad_s));
  }
  if (stored) {
    FeatureSet set = make_feature_set(*stored, kRate);
    for (int i = 0; i < kClips; ++i) {
      const auto frames =
          stored->num_frames(static_cast<std::int64_t>(padded_samples(i, pad_s).size()), kRate);
      set.append(testing::white_noise(frames * set.feature_dim, 1.0, 50 + i), frames);
    }
    w.write_feature_set(set);
  }
  w.close();
}

TEST(ClipSource, ComputesFeaturesWithTheCpuExtractorWhenNoSetIsStored) {
  ScratchDir dir;
  const auto path = (dir / "d.h5").string();
  write_dataset(path);
  const DatasetFile ds(path);
  const Config config = small_config();
  ClipSource src(ds, config, {4, 1, 3}, false);
  EXPECT_FALSE(src.uses_stored_features());
  EXPECT_EQ(src.feature_dim(), 16);
  EXPECT_EQ(src.labels(), (std::vector<int>{0, 1, 1}));
  auto extractor = make_cpu_feature_extractor(config.features, kRate);
  const auto& clean = src.clean_features();
  ASSERT_EQ(clean.size(), 3u);
  const auto frames = src.frames(0);
  for (std::size_t k = 0; k < 3; ++k) {
    const auto want = extractor->extract(ds.waveform(src.clip(k)));
    EXPECT_EQ(clean[k].frames, want.frames);
    EXPECT_EQ(clean[k].data, want.data);
    EXPECT_EQ(frames[k], want.frames);
  }
  const std::vector<std::size_t> pos = {2, 0};
  const auto got = src.features(pos, 5);  // not augmenting: the clean features, any epoch
  EXPECT_EQ(got[0].data, clean[2].data);
  EXPECT_EQ(got[1].data, clean[0].data);
}

TEST(ClipSource, ReadsTheStoredFeatureSetWhenItsKeyMatchesTheConfig) {
  ScratchDir dir;
  const auto path = (dir / "d.h5").string();
  const Config config = small_config();
  write_dataset(path, &config.features);
  const DatasetFile ds(path);
  ClipSource src(ds, config, {0, 5}, false);
  EXPECT_TRUE(src.uses_stored_features());
  EXPECT_EQ(src.feature_key(), feature_set_key(config.features));
  const auto& clean = src.clean_features();
  EXPECT_EQ(clean[0].data, ds.clip_features(src.feature_key(), 0));
  EXPECT_EQ(clean[1].data, ds.clip_features(src.feature_key(), 5));
  EXPECT_EQ(clean[1].frames, src.frames(0)[1]);

  Config other = config;
  other.features.n_mels = 20;  // another key: computed instead
  ClipSource computed(ds, other, {0}, false);
  EXPECT_FALSE(computed.uses_stored_features());
  EXPECT_EQ(computed.clean_features()[0].dim, 20);
}

TEST(ClipSource, AugmentedTrainingFeaturesDependOnlyOnSeedEpochAndClip) {
  ScratchDir dir;
  const auto path = (dir / "d.h5").string();
  Config config = small_config();
  write_dataset(path, &config.features);  // stored set is bypassed for augmented waveforms
  config.augment.gain_db = 6;
  config.augment.noise_prob = 0.5;
  config.augment.speed_factors = {0.9, 1.1};
  config.augment.time_masks = 1;
  config.augment.freq_masks = 1;
  const DatasetFile ds(path);
  const std::vector<std::size_t> all = {0, 1, 2, 3, 4, 5};
  ClipSource train(ds, config, all, true);
  EXPECT_TRUE(train.augments_waveforms());

  const std::vector<std::size_t> order_a = {0, 1, 2, 3, 4, 5}, order_b = {5, 3, 1, 0, 2, 4};
  const auto a = train.features(order_a, 2);
  Config threaded = config;
  threaded.train.num_threads = 2;
  ClipSource train2(ds, threaded, all, true);
  const auto b = train2.features(order_b, 2);
  const auto frames = train.frames(2);
  for (std::size_t k = 0; k < order_b.size(); ++k) {
    EXPECT_EQ(b[k].data, a[order_b[k]].data) << "position " << order_b[k];
    EXPECT_EQ(a[k].frames, frames[k]);  // frames() predicts the speed-perturbed length
  }
  const auto c = train.features(order_a, 3);
  int differ = 0;
  for (std::size_t k = 0; k < a.size(); ++k) differ += a[k].data != c[k].data;
  EXPECT_EQ(differ, kClips);  // a new epoch draws new augmentation for every clip

  // The same clips as an evaluation split: clean, stored features.
  ClipSource eval(ds, config, all, false);
  EXPECT_FALSE(eval.augments_waveforms());
  const auto e = eval.features(order_a, 2);
  for (std::size_t k = 0; k < e.size(); ++k)
    EXPECT_EQ(e[k].data, ds.clip_features(eval.feature_key(), k));
}

// audio.trim_db: each clip's silence is cut before its features (the stored set, made from the
// untrimmed clips, is bypassed) and before augmentation, and frames() predicts the cut lengths.
TEST(ClipSource, TrimsEachClipsSilenceBeforeItsFeaturesAndAugmentation) {
  ScratchDir dir;
  const auto path = (dir / "d.h5").string();
  Config config = small_config();
  write_dataset(path, &config.features, 0.4);
  config.audio.trim_db = 40;
  const DatasetFile ds(path);
  ClipSource src(ds, config, {0, 3}, false);
  EXPECT_FALSE(src.uses_stored_features());
  const auto extractor = make_cpu_feature_extractor(config.features, kRate);
  const auto& clean = src.clean_features();
  const auto frames = src.frames(0);
  for (std::size_t k = 0; k < 2; ++k) {
    const std::vector<float> whole = ds.waveform(src.clip(k));
    const auto want = extractor->extract(kept_samples(whole, config.audio));
    EXPECT_EQ(clean[k].data, want.data);
    EXPECT_EQ(frames[k], want.frames);
    EXPECT_LT(want.frames, extractor->extract(whole).frames);  // the silence was cut
  }

  config.augment.noise_prob = 0.5;
  config.augment.speed_factors = {0.9, 1.1};
  const std::vector<std::size_t> all = {0, 1, 2, 3, 4, 5};
  ClipSource train(ds, config, all, true);
  const auto got = train.features(all, 2);
  const auto predicted = train.frames(2);
  Config untrimmed = config;
  untrimmed.audio.trim_db = 0;
  const auto longer = ClipSource(ds, untrimmed, all, true).frames(2);
  for (std::size_t k = 0; k < all.size(); ++k) {
    EXPECT_EQ(got[k].frames, predicted[k]) << "position " << k;
    EXPECT_LT(predicted[k], longer[k]) << "position " << k;
  }
}

TEST(ClipSource, SpecAugmentOnlyKeepsTheCleanCacheIntact) {
  ScratchDir dir;
  const auto path = (dir / "d.h5").string();
  write_dataset(path);
  Config config = small_config();
  config.augment.time_masks = 2;
  config.augment.time_mask_frames = 5;
  const DatasetFile ds(path);
  ClipSource train(ds, config, {0, 1}, true);
  EXPECT_FALSE(train.augments_waveforms());
  const std::vector<std::size_t> pos = {0, 1};
  const auto clean = train.clean_features();
  const auto a = train.features(pos, 0);
  EXPECT_EQ(train.clean_features()[0].data, clean[0].data);  // cache not masked in place
  FeatureMatrix want = clean[1];
  spec_augment(want, config.augment, config.train.seed, 0, 1);
  EXPECT_EQ(a[1].data, want.data);
}

// features.speaker_norm: clean and augmented features are normalised with the statistics of the
// speaker's clean clips in this source (here each speaker has one clip, so the clean features come
// out with a zero mean, and an augmented clip is shifted by its clean clip's mean, not its own).
TEST(ClipSource, SpeakerNormUsesTheSpeakersCleanStatistics) {
  ScratchDir dir;
  const auto path = (dir / "d.h5").string();
  write_dataset(path);
  const DatasetFile ds(path);
  Config plain = small_config();
  plain.augment.gain_db = 6;
  plain.augment.noise_prob = 1.0;
  Config speaker = plain;
  speaker.features.speaker_norm = Cmvn::Mean;
  const std::vector<std::size_t> clips = {0, 3, 5};
  ClipSource raw(ds, plain, clips, true);
  ClipSource norm(ds, speaker, clips, true);
  const auto& raw_clean = raw.clean_features();
  const auto& norm_clean = norm.clean_features();
  const std::vector<std::size_t> positions = {0, 1, 2};
  const auto raw_aug = raw.features(positions, 3);
  const auto norm_aug = norm.features(positions, 3);
  for (std::size_t k = 0; k < clips.size(); ++k) {
    const std::int64_t F = raw_clean[k].dim;
    ASSERT_EQ(norm_aug[k].frames, raw_aug[k].frames);
    for (std::int64_t f = 0; f < F; ++f) {
      double mean = 0, normalised_mean = 0;
      for (std::int64_t t = 0; t < raw_clean[k].frames; ++t) {
        mean += raw_clean[k].data[t * F + f];
        normalised_mean += norm_clean[k].data[t * F + f];
      }
      mean /= raw_clean[k].frames;
      EXPECT_NEAR(normalised_mean / raw_clean[k].frames, 0.0, 1e-4) << "clip " << k;
      for (std::int64_t t = 0; t < raw_aug[k].frames; ++t)
        ASSERT_NEAR(norm_aug[k].data[t * F + f], raw_aug[k].data[t * F + f] - mean, 1e-4)
            << "clip " << k << " frame " << t << " feature " << f;
    }
  }
}

// features.speaker_norm_label: a speaker's statistics come from their clips of that label only
// (what enrolment from a neutral reading gives), or from all their clips when they have none.
TEST(ClipSource, SpeakerNormLabelTakesTheStatisticsFromThatLabelsClipsOnly) {
  ScratchDir dir;
  const auto path = (dir / "d.h5").string();
  {
    DatasetHeader h;
    h.corpus = "csv";
    h.sample_rate = kRate;
    h.label_names = {"calm", "angry"};
    h.speaker_names = {"s0", "s1"};
    h.speaker_fold = {0, 1};
    h.num_folds = 2;
    DatasetWriter w(path, h);
    for (int i = 0; i < 6; ++i) {  // s0: calm, angry, calm, angry; s1: angry, angry
      ClipInfo c;
      c.label = i < 4 ? i % 2 : 1;
      c.speaker = i < 4 ? 0 : 1;
      c.fold = c.speaker;
      c.utterance_id = "u" + std::to_string(i);
      w.append(c, clip_samples(i));
    }
    w.close();
  }
  const DatasetFile ds(path);
  Config plain = small_config();
  Config by_calm = plain;
  by_calm.features.speaker_norm = Cmvn::Mean;
  by_calm.features.speaker_norm_label = "calm";
  const std::vector<std::size_t> clips = {0, 1, 2, 3, 4, 5};
  ClipSource raw(ds, plain, clips, false);
  ClipSource norm(ds, by_calm, clips, false);
  const auto& r = raw.clean_features();
  const auto& n = norm.clean_features();
  const std::int64_t F = r[0].dim;
  // The mean of each feature over the frames of `which` clips.
  const auto mean_of = [&](const std::vector<std::size_t>& which) {
    std::vector<double> m(static_cast<std::size_t>(F), 0.0);
    std::int64_t frames = 0;
    for (const std::size_t k : which) {
      for (std::int64_t t = 0; t < r[k].frames; ++t)
        for (std::int64_t f = 0; f < F; ++f) m[f] += r[k].data[t * F + f];
      frames += r[k].frames;
    }
    for (double& v : m) v /= static_cast<double>(frames);
    return m;
  };
  const auto calm_of_s0 = mean_of({0, 2});
  const auto all_of_s1 = mean_of({4, 5});  // s1 has no calm clip: all its clips
  for (std::size_t k = 0; k < clips.size(); ++k) {
    const auto& m = k < 4 ? calm_of_s0 : all_of_s1;
    for (std::int64_t t = 0; t < r[k].frames; ++t)
      for (std::int64_t f = 0; f < F; ++f)
        ASSERT_NEAR(n[k].data[t * F + f], r[k].data[t * F + f] - m[f], 1e-4)
            << "clip " << k << " frame " << t << " feature " << f;
  }
  // The option needs speaker normalisation.
  Config alone = plain;
  alone.features.speaker_norm_label = "calm";
  EXPECT_THROW(alone.validate(), InputError);
}

TEST(ClipSource, RejectsADatasetAtAnotherSampleRate) {
  ScratchDir dir;
  const auto path = (dir / "d.h5").string();
  write_dataset(path);
  const DatasetFile ds(path);
  Config config = small_config();
  config.audio.sample_rate = 22050;
  EXPECT_THROW(ClipSource(ds, config, {0}, false), InputError);
}

}  // namespace
}  // namespace calmspace
