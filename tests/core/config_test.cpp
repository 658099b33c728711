#include "core/config/config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "support/test_support.h"

namespace calmspace {
namespace {

using ::testing::HasSubstr;

std::string error_of(auto&& fn) {
  try {
    fn();
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

TEST(Config, DefaultsAreValidAndMatchTheDocumentedTorchaudioSetup) {
  Config c;
  c.validate();
  EXPECT_EQ(c.audio.sample_rate, 16000);
  EXPECT_EQ(c.features.win_length(16000), 400);
  EXPECT_EQ(c.features.hop_length(16000), 160);
  EXPECT_EQ(c.features.fft_size(16000), 512);
  EXPECT_EQ(c.features.feature_dim(16000), 64);
}

TEST(Config, YamlValuesAndOverridesApplyInOrder) {
  Config c;
  c.merge_yaml(YAML::Load("features: {n_mels: 80, window: hamming}\naudio: {sample_rate: 8000}"),
               "test.yaml");
  EXPECT_EQ(c.features.n_mels, 80);
  EXPECT_EQ(c.features.window, WindowKind::Hamming);
  EXPECT_EQ(c.audio.sample_rate, 8000);
  c.apply_override("features.n_mels=40");
  c.apply_override("data.folds=[[a, b], [c]]");
  EXPECT_EQ(c.features.n_mels, 40);
  ASSERT_EQ(c.data.folds.size(), 2u);
  EXPECT_EQ(c.data.folds[0][1], "b");
}

TEST(Config, UnknownKeysAreErrorsNamingTheKeyPathAndFile) {
  Config c;
  EXPECT_EQ(error_of([&] { c.merge_yaml(YAML::Load("features: {win_mss: 30}"), "cfg.yaml"); }),
            "cfg.yaml: unknown key 'features.win_mss'");
  EXPECT_THAT(error_of([&] { c.merge_yaml(YAML::Load("feature: {n_mels: 3}"), "cfg.yaml"); }),
              HasSubstr("unknown section 'feature'"));
  EXPECT_THAT(error_of([&] { c.apply_override("features.nope=1"); }),
              HasSubstr("unknown key 'features.nope'"));
}

TEST(Config, IllTypedValuesAndBadEnumsNameTheKey) {
  Config c;
  EXPECT_THAT(error_of([&] { c.apply_override("features.n_mels=many"); }),
              HasSubstr("features.n_mels: expected int, got 'many'"));
  EXPECT_THAT(
      error_of([&] { c.apply_override("features.window=blackman"); }),
      HasSubstr("features.window: 'blackman' is not one of hann|hamming|povey|rectangular"));
  EXPECT_THAT(error_of([&] { c.apply_override("n_mels=3"); }), HasSubstr("section.key=value"));
}

TEST(Config, ValidationRejectsInconsistentValues) {
  Config c;
  c.apply_override("features.f_max=9000");  // above Nyquist at 16 kHz
  EXPECT_THAT(error_of([&] { c.validate(); }), HasSubstr("features.f_max"));
  Config d;
  d.apply_override("data.folds=[[a, b], [b]]");
  EXPECT_THAT(error_of([&] { d.validate(); }), HasSubstr("speaker 'b' is in more than one fold"));
  Config e;
  e.apply_override("train.ensemble_rotate_valid=true");
  e.apply_override("train.validation=false");
  EXPECT_THAT(error_of([&] { e.validate(); }), HasSubstr("train.ensemble_rotate_valid"));
}

TEST(Config, PrintedConfigLoadsBackToTheSameValues) {
  Config c;
  c.apply_override("features.kind=mfcc");
  c.apply_override("features.lifter=22");
  c.apply_override("data.folds=[['01', '02'], ['03']]");
  const std::string text = c.to_yaml();
  EXPECT_THAT(text, HasSubstr("# window length in ms"));
  Config back;
  back.merge_yaml(YAML::Load(text), "printed");
  EXPECT_EQ(back.to_yaml(), text);
  EXPECT_EQ(back.features.kind, FeatureKind::Mfcc);
  EXPECT_EQ(back.data.folds[0][0], "01");
}

TEST(Config, ShippedConfigsLoadAndValidate) {
  for (const char* name :
       {"default.yaml", "ravdess.yaml", "tess.yaml", "mfcc.yaml", "rnn.yaml", "lstm.yaml",
        "gru.yaml", "lstm_regularised.yaml", "lstm_ensemble.yaml", "gru_ensemble.yaml"}) {
    SCOPED_TRACE(name);
    const auto path = std::filesystem::path(CALMSPACE_SOURCE_DIR) / "configs" / name;
    ASSERT_TRUE(std::filesystem::exists(path));
    EXPECT_NO_THROW(resolve_config(path.string(), {}));
  }
}

TEST(Config, CellConfigsDifferOnlyInTheCell) {
  const auto dir = std::filesystem::path(CALMSPACE_SOURCE_DIR) / "configs";
  auto resolved = [&](const char* name) {
    Config c = resolve_config((dir / name).string(), {});
    EXPECT_EQ(c.features.kind, FeatureKind::LogMel);
    c.model.cell = CellKind::Lstm;  // the one allowed difference
    return c.to_yaml();
  };
  EXPECT_EQ(resolved("rnn.yaml"), resolved("lstm.yaml"));
  EXPECT_EQ(resolved("gru.yaml"), resolved("lstm.yaml"));
  EXPECT_EQ(resolve_config((dir / "rnn.yaml").string(), {}).model.cell, CellKind::RnnTanh);
  EXPECT_EQ(resolve_config((dir / "gru.yaml").string(), {}).model.cell, CellKind::Gru);
}

TEST(Config, RegularisedLstmIsTheLstmRecipeWithItsStatedChanges) {
  const auto dir = std::filesystem::path(CALMSPACE_SOURCE_DIR) / "configs";
  Config regularised = resolve_config((dir / "lstm_regularised.yaml").string(), {});
  Config lstm_with_changes = resolve_config(
      (dir / "lstm.yaml").string(), {"model.dropout=0.3", "train.weight_decay=0.05",
                                     "augment.gain_db=6", "train.patience=20", "train.epochs=80"});
  EXPECT_EQ(regularised.to_yaml(), lstm_with_changes.to_yaml());
}

TEST(Config, EnsembleLstmIsTheRegularisedRecipeWithItsStatedChanges) {
  const auto dir = std::filesystem::path(CALMSPACE_SOURCE_DIR) / "configs";
  Config ensemble = resolve_config((dir / "lstm_ensemble.yaml").string(), {});
  Config regularised_with_changes =
      resolve_config((dir / "lstm_regularised.yaml").string(),
                     {"train.ensemble=2", "train.validation=false", "train.epochs=160"});
  EXPECT_EQ(ensemble.to_yaml(), regularised_with_changes.to_yaml());
}

TEST(Config, GruEnsembleIsTheLstmEnsembleWithAGruCell) {
  const auto dir = std::filesystem::path(CALMSPACE_SOURCE_DIR) / "configs";
  Config gru = resolve_config((dir / "gru_ensemble.yaml").string(), {});
  Config lstm_with_gru_cell =
      resolve_config((dir / "lstm_ensemble.yaml").string(), {"model.cell=gru"});
  EXPECT_EQ(gru.to_yaml(), lstm_with_gru_cell.to_yaml());
  EXPECT_NE(gru.to_yaml(), resolve_config((dir / "lstm_ensemble.yaml").string(), {}).to_yaml());
}

TEST(Config, MissingOrBrokenFilesAreOneLineErrors) {
  testing::ScratchDir dir;
  EXPECT_EQ(error_of([&] { resolve_config((dir / "none.yaml").string(), {}); }),
            (dir / "none.yaml").string() + ": cannot open config file");
  testing::write_file(dir / "bad.yaml", "features: {n_mels: [1,\n");
  EXPECT_THAT(error_of([&] { resolve_config((dir / "bad.yaml").string(), {}); }),
              HasSubstr("not valid YAML"));
}

// Issue 20: a setting written twice is an error (yaml-cpp alone keeps the last), a folder is named
// as a folder, and a file that is not a config is refused without echoing its content.
TEST(Config, DuplicateKeysFoldersAndForeignFilesAreRefused) {
  testing::ScratchDir dir;
  testing::write_file(dir / "dup.yaml", "train:\n  epochs: 3\n  lr: 0.1\n  epochs: 5\n");
  EXPECT_EQ(error_of([&] { resolve_config((dir / "dup.yaml").string(), {}); }),
            (dir / "dup.yaml").string() + ": key 'train.epochs' appears twice (line 4)");
  testing::write_file(dir / "dup_section.yaml", "model: {cell: gru}\nmodel: {cell: lstm}\n");
  EXPECT_THAT(error_of([&] { resolve_config((dir / "dup_section.yaml").string(), {}); }),
              HasSubstr("key 'model' appears twice (line 2)"));
  // A list as a key (found by fuzzing: it escaped as yaml-cpp's "bad conversion").
  testing::write_file(dir / "list_key.yaml", "data:\n  folds: 2\n? - [\"YAF\"]\n: 1\n");
  EXPECT_EQ(error_of([&] { resolve_config((dir / "list_key.yaml").string(), {}); }),
            (dir / "list_key.yaml").string() +
                ": line 3: a key must be a plain name, not a list or mapping");
  EXPECT_EQ(error_of([&] { resolve_config(dir.path().string(), {}); }),
            dir.path().string() + ": is a folder; give a config file (.yaml)");
  testing::write_file(dir / "shadow", "root:*:20228:0:99999:7:::\ndaemon:*:20228:0:99999:7:::\n");
  const std::string shadow = error_of([&] { resolve_config((dir / "shadow").string(), {}); });
  EXPECT_THAT(shadow, HasSubstr("shadow: "));
  EXPECT_EQ(shadow.find("20228"), std::string::npos) << shadow;
  testing::write_file(dir / "secret.yaml", "s3cr3t:p4ss: 1\n");
  const std::string secret = error_of([&] { resolve_config((dir / "secret.yaml").string(), {}); });
  EXPECT_THAT(secret, HasSubstr("unknown section (a name that is no option)"));
  EXPECT_EQ(secret.find("p4ss"), std::string::npos) << secret;
}

}  // namespace
}  // namespace calmspace

namespace calmspace {
namespace {

// No number option takes .inf or .nan (issue 20): each would make every output non-finite far
// from the key; the error names the key as it is given.
TEST(Config, NonFiniteNumbersAreRefusedNamingTheKey) {
  for (const char* assignment :
       {"features.dither=.inf", "features.log_floor=.inf", "features.lifter=.nan", "train.lr=.inf",
        "train.weight_decay=.inf", "train.eps=-.inf", "augment.gain_db=.inf",
        "augment.speed_factors=[1.0, .inf]", "model.temperature=.nan"}) {
    Config config;
    try {
      config.apply_override(assignment);
      ADD_FAILURE() << assignment << " was accepted";
    } catch (const InputError& e) {
      const std::string key = std::string(assignment).substr(0, std::string(assignment).find('='));
      EXPECT_NE(e.subject().find(key), std::string::npos) << e.subject();
      EXPECT_NE(std::string(e.what()).find("finite number"), std::string::npos) << e.what();
    }
  }
  Config config;
  EXPECT_NO_THROW(config.apply_override("features.dither=1e-5"));
}

}  // namespace
}  // namespace calmspace

namespace calmspace {
namespace {

// Finite but absurd values (issue 20) are refused at validation, naming the key, the limit and
// the unit, instead of hanging, failing to allocate or giving NaN an epoch later.
TEST(Config, ValuesAboveTheirLimitsAreRefusedNamingKeyAndLimit) {
  const std::vector<std::pair<const char*, const char*>> cases = {
      {"features.win_ms=1e12", "above the limit of 1000 ms"},
      {"features.n_fft=2147483647", "above the limit of 65536 samples"},
      {"features.n_mels=1073741824", "above the limit of 1024 bands"},
      {"features.dither=1e30", "above the limit of 0.1 (standard deviation; full scale is 1)"},
      {"features.log_floor=1e30", "above the limit of 1"},
      {"train.lr=1e30", "above the limit of 10"},
      {"train.weight_decay=1e30", "above the limit of 10"},
      {"model.hidden_size=1000000000", "above the limit of 4096 units"},
      {"augment.gain_db=1e30", "above the limit of 60 dB"},
      {"augment.noise_snr_max_db=1e9", "outside [-30, 100] dB"},
      {"augment.mixup_alpha=1e9", "above the limit of 100"},
      {"augment.mixup_alpha=-0.2", "must be >= 0"},
      {"augment.codec_kbps=[16, 1000]", "1000 kbit/s is outside [6, 256] kbit/s"},
      {"augment.codec_prob=1.5", "must be in [0, 1]"},
      {"audio.max_duration_s=1e300", "one day at most"}};
  for (const auto& [assignment_text, message] : cases) {
    const std::string assignment = assignment_text;  // clang 14 cannot capture a binding
    const std::string key = assignment.substr(0, assignment.find('='));
    const std::string error = error_of([&] { resolve_config("", {assignment}); });
    EXPECT_THAT(error, HasSubstr(key)) << assignment;
    EXPECT_THAT(error, HasSubstr(message)) << assignment;
  }
  EXPECT_NO_THROW(
      resolve_config("", {"train.lr=0.5", "features.win_ms=1000", "features.n_mels=128"}));
  // A codec needs a rate Opus encodes; the error names the option that asked for it.
  const std::string codec = error_of([] {
    resolve_config("", {"augment.codec_prob=0.5", "audio.sample_rate=22050"});
  });
  EXPECT_THAT(codec, HasSubstr("augment.codec_prob"));
  EXPECT_THAT(codec, HasSubstr("not audio.sample_rate 22050 Hz"));
}

}  // namespace
}  // namespace calmspace
