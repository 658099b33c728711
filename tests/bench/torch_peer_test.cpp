// The PyTorch peer of the cell comparison and its merge into `calmspace bench`:
//   bench/peers/torch_cells.py on the tone dataset (stored features of the test recipe), 1 epoch:
//   every cell's parameter count equals CalmSpace's model (core/model/param_index.h), positive
//   throughputs, fold-0 split sizes, the machine and the command; skipped with the reason when
//   Debian's /usr/bin/python3 lacks torch, h5py, numpy or yaml.
//   `calmspace bench --peer-json`: a peer file is checked before any training (wrong parameter
//   count, other feature set, foreign file: one line naming the file), and a good one puts the
//   PyTorch figures and CalmSpace / PyTorch ratios into bench.json and bench.md (a hand-made peer
//   file, so this part runs without PyTorch).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/config/config.h"
#include "core/dataset/dataset_file.h"
#include "core/features/feature_extractor.h"
#include "core/model/param_index.h"
#include "support/test_support.h"

namespace calmspace {
namespace {

using ::testing::HasSubstr;
namespace fs = std::filesystem;

// The recipe both sides run: the quick bench recipe, shrunk, with the parts of the model whose
// shapes are easiest to get wrong (2 bidirectional layers, dropout, attention pooling).
const std::vector<std::string> kOverrides = {
    "features.n_mels=16",       "model.hidden_size=8",  "model.num_layers=2",
    "model.bidirectional=true", "model.dropout=0.1",    "model.pooling=attention",
    "model.attention_dim=4",    "train.epochs=1",       "train.batch_size=8",
    "train.num_threads=1",      "augment.time_masks=1", "augment.freq_masks=1"};
const std::string kConfig = CALMSPACE_SOURCE_DIR "/configs/bench_quick.yaml";
const char* kCells[] = {"rnn", "lstm", "gru"};

std::string overrides() {
  std::string s;
  for (const auto& o : kOverrides) s += " " + o;
  return s;
}

Config recipe() {
  return resolve_config(kConfig, kOverrides);
}

// CalmSpace's parameter count for `cell` under the recipe (16 inputs, 3 classes).
std::int64_t calmspace_parameters(const std::string& cell) {
  ModelOptions m = recipe().model;
  for (const auto& [name, kind] : cell_kind_table())
    if (name == cell) m.cell = kind;
  return make_param_index(m, 16, 3).total;
}

// The tone dataset with the recipe's features stored (what `prepare ... store_features` does).
void write_dataset(const fs::path& path) {
  testing::write_tone_dataset(path.string());
  const Config c = recipe();
  FeatureSet set = make_feature_set(c.features, 16000);
  {
    const DatasetFile d(path.string());
    auto extractor = make_cpu_feature_extractor(c.features, 16000);
    for (std::size_t i = 0; i < d.size(); ++i) {
      const FeatureMatrix m = extractor->extract(d.waveform(i));
      set.append(m.data, m.frames);
    }
  }
  add_feature_set(path.string(), set);
}

nlohmann::json read_json(const fs::path& p) {
  std::ifstream in(p);
  return nlohmann::json::parse(in);
}

std::string read_text(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

int calmspace(const std::string& args, std::string* out) {
  return testing::run_command(testing::calmspace_binary().string() + " " + args, out);
}

class TorchPeer : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    data_dir_ = new testing::ScratchDir;
    write_dataset(*data_dir_ / "tones.h5");
  }
  static void TearDownTestSuite() {
    delete data_dir_;
    data_dir_ = nullptr;
  }
  fs::path data() const { return *data_dir_ / "tones.h5"; }

  // A peer result as torch_cells.py writes it, with chosen rates (enough for the merge).
  nlohmann::json fake_peer(double train_rate, double infer_rate) const {
    const Config c = recipe();
    nlohmann::json cells = nlohmann::json::array();
    for (const char* cell : kCells)
      cells.push_back({{"cell", cell},
                       {"parameters", calmspace_parameters(cell)},
                       {"train_clips_per_s", train_rate},
                       {"epochs_timed", 2},
                       {"folds", {{{"train_clips", 24}, {"test_clips", 24}}}},
                       {"inference", {{"clips_per_s", infer_rate}}}});
    return {{"kind", "torch-cells-peer"},
            {"command", "bench/peers/torch_cells.py (hand-made)"},
            {"feature_set", feature_set_key(c.features)},
            {"config", {{"train", {{"batch_size", c.train.batch_size}}}}},
            {"machine", {{"torch", "9.9"}, {"torch_device", "cpu"}}},
            {"threads", 1},
            {"mode", "speed"},
            {"epochs_per_fold", 2},
            {"warmup_epochs", 1},
            {"folds_run", 1},
            {"cells", cells}};
  }
  fs::path write_peer(const nlohmann::json& j, const std::string& name) const {
    const fs::path p = dir_ / name;
    std::ofstream(p) << j.dump(1);
    return p;
  }
  std::string bench_args(const fs::path& out, const fs::path& peer) const {
    return "bench " + kConfig + " --data " + data().string() + " --out " + out.string() +
           " --folds 1 --no-plots --peer-json " + peer.string() + overrides();
  }

  static testing::ScratchDir* data_dir_;
  testing::ScratchDir dir_;
};
testing::ScratchDir* TorchPeer::data_dir_ = nullptr;

TEST_F(TorchPeer, SameModelsAsCalmSpaceAndPositiveThroughputs) {
  std::string out;
  if (testing::run_command("/usr/bin/python3 -c 'import torch, h5py, numpy, yaml'", &out) != 0)
    GTEST_SKIP() << "/usr/bin/python3 lacks torch, h5py, numpy or yaml: " << out;
  const fs::path peer = dir_ / "peer.json";
  ASSERT_EQ(testing::run_command(
                "/usr/bin/python3 " CALMSPACE_SOURCE_DIR "/bench/peers/torch_cells.py " + kConfig +
                    " --data " + data().string() +
                    " --epochs 1 --threads 1 --min-inference-seconds 0.05"
                    " --calmspace " +
                    testing::calmspace_binary().string() + " --out " + peer.string() + overrides(),
                &out),
            0)
      << out;
  const auto j = read_json(peer);
  EXPECT_EQ(j["kind"], "torch-cells-peer");
  EXPECT_THAT(j["command"].get<std::string>(), HasSubstr("torch_cells.py"));
  EXPECT_TRUE(j["machine"].contains("git_revision"));
  EXPECT_FALSE(j["machine"]["torch"].get<std::string>().empty());
  EXPECT_EQ(j["feature_set"], feature_set_key(recipe().features));
  EXPECT_EQ(j["threads"], 1);
  ASSERT_EQ(j["cells"].size(), 3u);
  for (int c = 0; c < 3; ++c) {
    const auto& r = j["cells"][c];
    EXPECT_EQ(r["cell"], kCells[c]);
    EXPECT_EQ(r["parameters"].get<std::int64_t>(), calmspace_parameters(kCells[c])) << kCells[c];
    EXPECT_GT(r["train_clips_per_s"].get<double>(), 0.0);
    EXPECT_EQ(r["epochs_timed"], 1);  // after 1 untimed warm-up epoch
    ASSERT_EQ(r["folds"][0]["epoch_clips_per_s"].size(), 1u);
    EXPECT_GT(r["inference"]["clips_per_s"].get<double>(), 0.0);
    EXPECT_GE(r["inference"]["passes"].get<int>(), 3);
    // Fold 0 of 3 (two speakers each): test fold 0, validation fold 1, training fold 2.
    EXPECT_EQ(r["folds"][0]["train_clips"], 24);
    EXPECT_EQ(r["inference"]["clips"], 24);
  }
  EXPECT_THAT(out, HasSubstr("lstm: " + std::to_string(calmspace_parameters("lstm")) +
                             " parameters (PyTorch)"));

  // The real peer file passes calmspace bench's checks and lands in the report.
  const fs::path b = dir_ / "bench";
  ASSERT_EQ(calmspace(bench_args(b, peer) + " --cells gru", &out), 0) << out;
  const auto bench = read_json(b / "bench.json");
  ASSERT_EQ(bench["peers"].size(), 1u);
  EXPECT_EQ(bench["peers"][0]["rows"][0]["cell"], "gru");
}

TEST_F(TorchPeer, BenchPutsPyTorchBesideCalmSpaceWithRatios) {
  const fs::path peer = write_peer(fake_peer(10.0, 40.0), "peer.json");
  const fs::path b = dir_ / "bench";
  std::string out;
  ASSERT_EQ(calmspace(bench_args(b, peer), &out), 0) << out;
  const auto j = read_json(b / "bench.json");
  ASSERT_EQ(j["peers"].size(), 1u);
  const auto& p = j["peers"][0];
  EXPECT_EQ(p["file"], peer.string());
  EXPECT_EQ(p["torch"], "9.9");
  EXPECT_EQ(p["epochs_per_fold"], 2);
  EXPECT_EQ(p["calmspace"]["threads"], 1);
  EXPECT_EQ(p["markdown"].get<std::string>().rfind("## CalmSpace / PyTorch 9.9", 0), 0u);
  ASSERT_EQ(p["rows"].size(), 3u);
  for (int c = 0; c < 3; ++c) {
    const auto& r = p["rows"][c];
    const auto& cell = j["cells"][c];
    EXPECT_EQ(r["cell"], kCells[c]);
    EXPECT_EQ(r["parameters"], cell["parameters"]);
    EXPECT_DOUBLE_EQ(r["calmspace_train_clips_per_s"].get<double>(),
                     cell["train_clips_per_s"].get<double>());
    EXPECT_DOUBLE_EQ(r["train_ratio"].get<double>(),
                     cell["train_clips_per_s"].get<double>() / 10.0);
    EXPECT_DOUBLE_EQ(r["inference_ratio"].get<double>(),
                     cell["inference"]["clips_per_s"].get<double>() / 40.0);
    EXPECT_EQ(r["torch_epochs"], 2);
    EXPECT_DOUBLE_EQ(r["calmspace_epochs"].get<double>(), 1.0);  // 1 epoch x 1 fold
  }
  const std::string md = read_text(b / "bench.md");
  EXPECT_THAT(md, HasSubstr("## CalmSpace / PyTorch 9.9 on cpu, 1 threads"));
  EXPECT_THAT(md, HasSubstr("| PyTorch training clips/s | CalmSpace / PyTorch |"));
  EXPECT_THAT(md, HasSubstr("mean over 2 epoch(s) of each of 1 fold(s) after 1 untimed warm-up "
                            "epoch(s) (speed peer"));
  EXPECT_THAT(
      md, HasSubstr("\n| lstm | " + std::to_string(calmspace_parameters("lstm")) + " | 1 / 2 | "));
  EXPECT_THAT(out, HasSubstr("CalmSpace / PyTorch"));  // printed too
}

TEST_F(TorchPeer, MismatchedPeerIsRejectedBeforeTraining) {
  struct Case {
    const char* name;
    std::function<void(nlohmann::json&)> change;
    const char* error;
  };
  const std::vector<Case> cases = {
      {"params", [](nlohmann::json& j) { j["cells"][1]["parameters"] = 1; },
       "cell lstm: the PyTorch model has 1 parameters, CalmSpace's has "},
      {"features", [](nlohmann::json& j) { j["feature_set"] = "logmel-0000000000000000"; },
       "was measured on feature set logmel-0000000000000000"},
      {"cell", [](nlohmann::json& j) { j["cells"].erase(2); }, "has no result for cell 'gru'"},
      {"split", [](nlohmann::json& j) { j["cells"][0]["folds"][0]["train_clips"] = 23; },
       "cell rnn: fold 0 has 23 training and 24 test clips there, 24 and 24 in "},
      {"kind", [](nlohmann::json& j) { j["kind"] = "calmspace-bench"; },
       "is not a bench/peers/torch_cells.py result"},
      {"field", [](nlohmann::json& j) { j["cells"][0].erase("inference"); },
       "has a missing or malformed field"},
  };
  for (const auto& c : cases) {
    nlohmann::json j = fake_peer(10.0, 40.0);
    c.change(j);
    const fs::path peer = write_peer(j, std::string(c.name) + ".json");
    const fs::path b = dir_ / c.name;
    std::string out;
    EXPECT_EQ(calmspace(bench_args(b, peer), &out), 1) << c.name << ": " << out;
    EXPECT_THAT(out, HasSubstr(peer.string() + ": " + c.error)) << c.name;
    EXPECT_FALSE(fs::exists(b / "rnn")) << c.name << ": trained before checking the peer";
  }
}

}  // namespace
}  // namespace calmspace
