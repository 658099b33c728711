// ONNX export: onnx.checker (python3-onnx) accepts the models with the documented inputs,
// outputs and metadata; inconsistent checkpoints are one-line InputErrors; files are written
// atomically; `calmspace export --format onnx` writes one.
#include "core/export/export_onnx.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "core/base/error.h"
#include "core/run/checkpoint_safetensors.h"
#include "export/export_fixtures.h"

namespace calmspace {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing::ScratchDir;

std::vector<std::string> file_names(const std::filesystem::path& dir) {
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(dir))
    names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

TEST(OnnxExport, OnnxCheckerAcceptsEveryCellAndPooling) {
  std::string probe;
  if (testing::run_command("/usr/bin/python3 -c 'import onnx'", &probe) != 0)
    GTEST_SKIP() << "onnx not importable by /usr/bin/python3 (python3-onnx): " << probe;
  ScratchDir dir;
  std::string files;
  int index = 0;
  for (auto cell : {CellKind::RnnTanh, CellKind::RnnRelu, CellKind::Lstm, CellKind::Gru})
    for (auto pooling :
         {PoolingKind::Mean, PoolingKind::Max, PoolingKind::Last, PoolingKind::Attention}) {
      const auto config = testing::varied_model_config(index, cell, pooling);
      const auto path = dir / ("model" + std::to_string(index) + ".onnx");
      export_onnx(testing::small_checkpoint(config, 4, 10 + index), path.string());
      files += " " + path.string();
      ++index;
    }
  std::string out;
  const int rc = testing::run_command(
      "/usr/bin/python3 " CALMSPACE_SOURCE_DIR "/tests/export/check_onnx.py" + files, &out);
  EXPECT_EQ(rc, 0) << out;
  EXPECT_THAT(out, HasSubstr("ok: 16 models pass onnx.checker"));
  EXPECT_THAT(out, HasSubstr(" LSTM "));
  EXPECT_THAT(out, HasSubstr(" GRU "));
  EXPECT_THAT(out, Not(HasSubstr("FAILED")));
}

TEST(OnnxExport, InconsistentCheckpointsAreInputErrorsNamingTheParameter) {
  auto expect_error = [](const Checkpoint& c, const std::string& what) {
    try {
      (void)onnx_model_bytes(c);
      ADD_FAILURE() << "no error for " << what;
    } catch (const InputError& e) {
      EXPECT_THAT(std::string(e.what()), HasSubstr(what));
      EXPECT_THAT(std::string(e.what()), Not(HasSubstr("\n")));
    }
  };
  const Checkpoint good = testing::small_checkpoint();
  EXPECT_GT(onnx_model_bytes(good).size(), good.weights.size() * sizeof(float));

  Checkpoint wrong_shape = good;
  wrong_shape.layout[1].shape = {wrong_shape.layout[1].shape[1], wrong_shape.layout[1].shape[0]};
  expect_error(wrong_shape, wrong_shape.layout[1].name + " has another shape");

  Checkpoint truncated = good;
  truncated.weights.resize(truncated.weights.size() - 1);
  expect_error(truncated, "head.bias lies beyond the weights");

  Checkpoint missing = good;
  missing.layout.pop_back();
  expect_error(missing, "head.bias is missing");

  Checkpoint no_norm = good;
  no_norm.norm_std.pop_back();
  expect_error(no_norm,
               "input_norm mean/std are not (" + std::to_string(good.norm_mean.size()) + ",)");

  Checkpoint no_labels = good;
  no_labels.labels.clear();
  expect_error(no_labels, "has no labels");
}

// A model that trims silence (audio.trim_db) exports with a features input (the caller trims, as
// CalmSpace does before its features, and the metadata's "trim" entry says how) but not with the
// audio input, whose graph has no trimming.
TEST(OnnxExport, AnAudioExportRefusesAModelThatTrimsSilence) {
  Config config = testing::small_model_config();
  const Checkpoint plain = testing::small_checkpoint(config);
  EXPECT_NO_THROW((void)onnx_model_bytes(plain, OnnxInput::Audio));
  config.audio.trim_db = 40;
  const Checkpoint trimming = testing::small_checkpoint(config);
  EXPECT_NO_THROW((void)onnx_model_bytes(trimming, OnnxInput::Features));
  // The metadata tells whoever computes the features to cut the silence first.
  EXPECT_EQ(model_export_metadata(plain).count("trim"), 0u);
  EXPECT_THAT(model_export_metadata(trimming).at("trim"), HasSubstr(R"("trim_db":40.0)"));
  try {
    (void)onnx_model_bytes(trimming, OnnxInput::Audio);
    ADD_FAILURE() << "an audio export of a trimming model was written";
  } catch (const InputError& e) {
    EXPECT_EQ(e.subject(), "audio.trim_db") << e.what();
    EXPECT_THAT(e.what(), HasSubstr("--onnx-input features"));
  }
}

TEST(OnnxExport, WritesAtomicallyAndReportsUnwritablePaths) {
  ScratchDir dir;
  const auto path = dir / "model.onnx";
  const Checkpoint c = testing::small_checkpoint();
  export_onnx(c, path.string());
  export_onnx(c, path.string());  // over an existing file
  EXPECT_EQ(file_names(dir.path()), std::vector<std::string>{"model.onnx"});
  std::ifstream in(path, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(bytes, onnx_model_bytes(c));

  const auto bad = (dir / "no such folder" / "model.onnx").string();
  EXPECT_THROW(export_onnx(c, bad), InputError);
  EXPECT_EQ(file_names(dir.path()), std::vector<std::string>{"model.onnx"});
}

TEST(OnnxExport, CommandLineWritesAnOnnxFileAndRejectsUnknownFormats) {
  ScratchDir dir;
  const auto checkpoint = dir / "best.h5";
  save_checkpoint(checkpoint.string(), testing::small_checkpoint());
  const auto onnx_path = dir / "model.onnx";
  const std::string cli = testing::calmspace_binary().string() + " export " + checkpoint.string();
  std::string out;
  ASSERT_EQ(testing::run_command(cli + " --format onnx --out " + onnx_path.string(), &out), 0)
      << out;
  EXPECT_THAT(out, HasSubstr("as onnx to " + onnx_path.string()));
  EXPECT_GT(std::filesystem::file_size(onnx_path), 100u);

  EXPECT_NE(testing::run_command(cli + " --format tflite --out x.tflite", &out), 0);
  EXPECT_THAT(out, HasSubstr("tflite"));
  ASSERT_EQ(testing::run_command(testing::calmspace_binary().string() + " export --help", &out), 0);
  EXPECT_THAT(out, HasSubstr("onnx"));
}

}  // namespace
}  // namespace calmspace
