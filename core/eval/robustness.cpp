#include "core/eval/robustness.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <memory>
#include <sstream>

#include "core/audio/decode.h"
#include "core/audio/degrade.h"
#include "core/audio/ffmpeg_encode.h"
#include "core/audio/trim.h"
#include "core/base/error.h"
#include "core/base/parallel.h"
#include "core/base/rng.h"
#include "core/eval/evaluate.h"
#include "core/features/feature_extractor.h"
#include "core/features/speaker_norm.h"
#include "core/run/model_checkpoint.h"

namespace calmspace {
namespace {

using Degrade = std::function<std::vector<float>(std::span<const float> x, std::size_t k)>;

struct Condition {
  std::string name, group;
  Degrade apply;
};

std::string number(double v) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", v);
  return text;
}

// Crowd-like noise for clip k: the sum of `talkers` clips of other speakers, each at unit RMS,
// cycled to clip k's length; which clips is drawn from (seed, k).
std::vector<float> babble_for(std::size_t k, std::size_t length,
                              const std::vector<std::vector<float>>& waves,
                              const std::vector<int>& speakers, int talkers, std::uint64_t seed) {
  Rng rng({seed, 0x626162626c65ull, k});  // "babble"
  std::vector<std::vector<float>> chosen;
  std::vector<std::size_t> offsets;
  for (int attempt = 0; static_cast<int>(chosen.size()) < talkers && attempt < 50 * talkers;
       ++attempt) {
    const std::size_t j = rng.below(waves.size());
    if (speakers[j] == speakers[k] || waves[j].empty()) continue;
    double e = 0;
    for (float v : waves[j]) e += double(v) * v;
    if (e <= 0) continue;
    chosen.push_back(waves[j]);
    offsets.push_back(rng.below(waves[j].size()));
  }
  return mix_talkers(chosen, offsets, length);
}

std::vector<Condition> conditions(const RobustnessOptions& o, int rate,
                                  const std::vector<std::vector<float>>& waves,
                                  const std::vector<int>& speakers) {
  std::vector<Condition> out;
  out.push_back({"clean", "clean", [](std::span<const float> x, std::size_t) {
                   return std::vector<float>(x.begin(), x.end());
                 }});
  for (double db : o.gains_db)
    out.push_back({cat("gain ", db > 0 ? "+" : "", number(db), " dB"), "gain",
                   [db](std::span<const float> x, std::size_t) { return apply_gain_db(x, db); }});
  for (double snr : o.snrs_db)
    out.push_back({cat("white noise ", number(snr), " dB SNR"), "white",
                   [snr, seed = o.seed](std::span<const float> x, std::size_t k) {
                     return add_noise_at_snr(x, gaussian_noise(x.size(), seed * 1000003 + k), snr);
                   }});
  if (o.babble_talkers > 0)
    for (double snr : o.snrs_db)
      out.push_back({cat("babble ", number(snr), " dB SNR"), "babble",
                     [snr, &o, &waves, &speakers](std::span<const float> x, std::size_t k) {
                       return add_noise_at_snr(
                           x, babble_for(k, x.size(), waves, speakers, o.babble_talkers, o.seed),
                           snr);
                     }});
  if (o.telephone)
    out.push_back({"telephone 8 kHz", "telephone", [rate](std::span<const float> x, std::size_t) {
                     return telephone_band(x, rate);
                   }});
  if (o.codecs) {
    struct Codec {
      const char* name;
      EncodeSpec spec;
    };
    const Codec codecs[] = {{"opus 16 kbit/s (WebM)", {"webm", "libopus", 16000, ""}},
                            {"opus 32 kbit/s (WebM)", {"webm", "libopus", 32000, ""}},
                            {"aac 32 kbit/s (MP4)", {"mp4", "aac", 32000, ""}}};
    for (const Codec& c : codecs)
      out.push_back({c.name, "codec", [spec = c.spec, rate](std::span<const float> x, std::size_t) {
                       return codec_round_trip(x, rate, spec);
                     }});
  }
  if (o.reverb) {
    const double ranges[2][2] = {{0.2, 0.4}, {0.6, 0.9}};
    for (const auto& r : ranges)
      out.push_back(
          {cat("reverb RT60 ", number(r[0]), "-", number(r[1]), " s"), "reverb",
           [lo = r[0], hi = r[1], rate, seed = o.seed](std::span<const float> x, std::size_t k) {
             const Room room = random_room(seed * 7919 + k, lo, hi);
             return reverberate(x, room_impulse_response(room, rate));
           }});
  }
  return out;
}

}  // namespace

std::string RobustnessReport::to_json() const {
  nlohmann::json j;
  j["model"] = model;
  j["data"] = data;
  j["split"] = split;
  j["classes"] = classes;
  j["seconds"] = seconds;
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& c : conditions)
    rows.push_back({{"condition", c.name},
                    {"group", c.group},
                    {"ua", c.ua},
                    {"wa", c.wa},
                    {"unchanged", c.unchanged},
                    {"clips", c.clips}});
  j["conditions"] = rows;
  return j.dump(2) + "\n";
}

std::string RobustnessReport::to_markdown() const {
  std::ostringstream out;
  out << "| condition | UA | WA | predictions unchanged |\n| --- | --- | --- | --- |\n";
  char line[256];
  for (const auto& c : conditions) {
    std::snprintf(line, sizeof line, "| %s | %.3f | %.3f | %.1f %% |\n", c.name.c_str(), c.ua, c.wa,
                  100 * c.unchanged);
    out << line;
  }
  return out.str();
}

RobustnessReport run_robustness(const DatasetFile& dataset, std::span<const Checkpoint> members,
                                const std::string& split, const RobustnessOptions& options,
                                const RobustnessProgress& progress) {
  CALMSPACE_CHECK(!members.empty(), "a model needs a member");
  const auto start = std::chrono::steady_clock::now();
  const Checkpoint& first = members[0];
  const Config config = first.config();
  const EvalSelection selection = select_for_eval(dataset, first, split);
  if (selection.clips.empty())
    throw InputError(dataset.path(), cat("the '", selection.split, "' split has no clips"));
  const int rate = dataset.sample_rate();
  if (rate != config.audio.sample_rate)
    throw InputError(dataset.path(), cat("its clips are at ", rate, " Hz but the model takes ",
                                         config.audio.sample_rate, " Hz"));
  const int threads = resolve_threads(options.threads);
  std::vector<std::vector<float>> waves(selection.clips.size());
  std::vector<int> speakers(selection.clips.size()), labels(selection.clips.size());
  for (std::size_t k = 0; k < selection.clips.size(); ++k) {
    waves[k] = dataset.waveform(selection.clips[k]);
    speakers[k] = dataset.clips()[selection.clips[k]].speaker;
    labels[k] = dataset.clips()[selection.clips[k]].label;
  }
  std::vector<std::unique_ptr<SequenceModel>> models;
  for (const Checkpoint& m : members) {
    if (m.config().features.kind != config.features.kind ||
        feature_set_key(m.config().features) != feature_set_key(config.features))
      throw InputError("model", "ensemble members use different features");
    models.push_back(model_from_checkpoint(m, {"auto", m.config().train.precision}));
    models.back()->set_num_threads(threads);
  }
  FeatureOptions feature_options = config.features;  // the extractor leaves speaker_norm alone
  feature_options.num_threads = threads;
  const auto extractor = make_feature_extractor(feature_options, rate, "cpu");

  RobustnessReport report;
  report.split = selection.split;
  for (int c : selection.scoring.classes) report.classes.push_back(first.labels[c]);
  if (report.classes.empty()) report.classes = first.labels;
  std::vector<int> clean_prediction;
  const auto C = first.labels.size();
  for (const Condition& condition : conditions(options, rate, waves, speakers)) {
    // Degraded in parallel, then features a chunk of clips at a time (the extractor spreads a
    // batch over its threads).
    std::vector<std::vector<float>> degraded(waves.size());
    parallel_for(static_cast<std::int64_t>(waves.size()), threads, [&](std::int64_t k) {
      degraded[k] = condition.apply(waves[k], static_cast<std::size_t>(k));
    });
    std::vector<FeatureMatrix> features(waves.size());
    constexpr std::size_t kChunk = 128;
    for (std::size_t first_clip = 0; first_clip < degraded.size(); first_clip += kChunk) {
      const std::size_t n = std::min(kChunk, degraded.size() - first_clip);
      std::vector<std::span<const float>> clips;
      // As predict hears the degraded recording: its silence trimmed when audio.trim_db says.
      for (std::size_t k = 0; k < n; ++k)
        clips.emplace_back(kept_samples(degraded[first_clip + k], config.audio));
      const PaddedBatch batch = extractor->extract_batch(clips);
      for (std::size_t k = 0; k < n; ++k) {
        FeatureMatrix& m = features[first_clip + k];
        m.frames = batch.lengths[k];
        m.dim = batch.dim;
        const auto rows = batch.clip(static_cast<std::int64_t>(k));
        m.data.assign(rows.begin(), rows.end());
      }
    }
    // speaker_norm: each speaker's statistics over their clips in this condition, as if every
    // recording of theirs came through the same microphone, room and codec.
    if (const Cmvn mode = config.features.speaker_norm; mode != Cmvn::None) {
      const auto stats = speaker_stats(features, speakers);
      for (std::size_t k = 0; k < features.size(); ++k)
        apply_speaker_norm(features[k], stats.at(speakers[k]), mode);
    }
    std::vector<float> logits(waves.size() * C, 0.0f);
    for (const auto& model : models) {
      const Evaluation e = evaluate_features(*model, features, labels, first.labels,
                                             config.train.batch_size, selection.scoring);
      for (std::size_t i = 0; i < logits.size(); ++i) logits[i] += e.logits[i];
    }
    for (float& z : logits) z /= static_cast<float>(models.size());
    const Evaluation e =
        evaluate_logits(std::move(logits), labels, first.labels, selection.scoring);
    if (clean_prediction.empty()) clean_prediction = e.predicted;
    ConditionResult r;
    r.name = condition.name;
    r.group = condition.group;
    r.ua = e.metrics.ua;
    r.wa = e.metrics.wa;
    r.clips = static_cast<std::int64_t>(waves.size());
    std::int64_t same = 0;
    for (std::size_t k = 0; k < e.predicted.size(); ++k)
      same += e.predicted[k] == clean_prediction[k];
    r.unchanged = double(same) / static_cast<double>(e.predicted.size());
    if (progress) progress(r);
    report.conditions.push_back(std::move(r));
  }
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return report;
}

}  // namespace calmspace
