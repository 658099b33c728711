// safetensors: writer/reader round trip, checkpoint export and back, malformed files, and a
// pure-Python reader (json + numpy) that checks names, shapes, values and metadata.
#include "core/export/export_safetensors.h"
#include "core/run/checkpoint_safetensors.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/base/error.h"
#include "core/base/npy.h"
#include "core/dataset/dataset_file.h"
#include "export/export_fixtures.h"

namespace calmspace {
namespace {

using ::testing::HasSubstr;
using testing::ScratchDir;

std::string read_bytes(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST(Safetensors, WriterAndReaderRoundTripWithThePublishedLayout) {
  ScratchDir dir;
  const auto path = (dir / "t.safetensors").string();
  Safetensors f;
  f.metadata = {{"a", "1"}, {"b", "two words"}};
  f.tensors.push_back({"x.weight", {2, 3}, testing::white_noise(6, 1.0, 1)});
  f.tensors.push_back({"scalar_like", {1}, {42.5f}});
  f.tensors.push_back({"empty", {0, 4}, {}});
  write_safetensors(path, f);
  const auto bytes = read_bytes(path);
  std::uint64_t n = 0;
  std::memcpy(&n, bytes.data(), 8);
  EXPECT_EQ(n % 8, 0u);
  EXPECT_EQ(bytes.size(), 8 + n + (6 + 1) * 4);
  const auto header = nlohmann::json::parse(bytes.substr(8, n));
  EXPECT_EQ(header["x.weight"]["dtype"], "F32");
  EXPECT_EQ(header["x.weight"]["data_offsets"], nlohmann::json::array({0, 24}));
  EXPECT_EQ(header["__metadata__"]["b"], "two words");

  const auto back = read_safetensors(path);
  EXPECT_EQ(back.metadata, f.metadata);
  ASSERT_EQ(back.tensors.size(), 3u);
  for (const auto& t : f.tensors) {
    const auto* b = back.find(t.name);
    ASSERT_NE(b, nullptr) << t.name;
    EXPECT_EQ(b->shape, t.shape);
    EXPECT_EQ(b->data, t.data);
  }
}

TEST(Safetensors, MalformedFilesAreInputErrors) {
  ScratchDir dir;
  auto expect_error = [&](const std::string& bytes, const std::string& what) {
    testing::write_file(dir / "bad.safetensors", bytes);
    try {
      read_safetensors((dir / "bad.safetensors").string());
      FAIL() << "accepted: " << what;
    } catch (const InputError& e) {
      EXPECT_THAT(e.reason(), HasSubstr(what));
    }
  };
  auto with_header = [](const std::string& json, std::size_t data_bytes) {
    std::string out(8, '\0');
    const std::uint64_t n = json.size();
    std::memcpy(out.data(), &n, 8);
    return out + json + std::string(data_bytes, '\1');
  };
  expect_error("abc", "shorter than 8 bytes");
  expect_error(with_header("{}", 0).substr(0, 9), "exceeds the file size");
  expect_error(with_header("{not json", 0), "not valid JSON");
  expect_error(with_header(R"({"w": {"dtype": "F16", "shape": [2], "data_offsets": [0, 4]}})", 4),
               "only F32");
  expect_error(with_header(R"({"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}})", 4),
               "outside the file");
  expect_error(with_header(R"({"w": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}})", 8),
               "does not match its shape");
  expect_error(with_header(R"({"w": {"dtype": "F32"}})", 0), "malformed header");
  EXPECT_THROW(read_safetensors((dir / "missing.safetensors").string()), InputError);
}

TEST(Safetensors, ExportHoldsEveryParameterByPyTorchNameAndTheNormAndComesBack) {
  ScratchDir dir;
  const auto path = (dir / "model.safetensors").string();
  const auto c = testing::small_checkpoint();
  export_safetensors(c, path);
  const auto f = read_safetensors(path);
  ASSERT_EQ(f.tensors.size(), c.layout.size() + 2);
  for (const auto& p : c.layout) {
    const auto* t = f.find(p.name);
    ASSERT_NE(t, nullptr) << p.name;
    EXPECT_EQ(t->shape, p.shape);
    EXPECT_EQ(t->data, std::vector<float>(c.weights.begin() + p.offset,
                                          c.weights.begin() + p.offset + p.size));
  }
  EXPECT_EQ(f.find("input_norm.mean")->data, c.norm_mean);
  EXPECT_EQ(f.find("input_norm.std")->data, c.norm_std);
  EXPECT_EQ(f.find("input_norm.std")->shape, (std::vector<std::int64_t>{5}));
  const auto config = c.config();
  EXPECT_EQ(f.metadata.at("format"), "calmspace-model");
  EXPECT_EQ(nlohmann::json::parse(f.metadata.at("labels")), nlohmann::json(c.labels));
  EXPECT_EQ(f.metadata.at("features"), feature_options_yaml(config.features));
  EXPECT_THAT(f.metadata.at("model"), HasSubstr("cell: gru"));
  EXPECT_THAT(f.metadata.at("model"), HasSubstr("hidden_size: 3"));
  EXPECT_EQ(f.metadata.at("sample_rate"), "16000");
  EXPECT_EQ(f.metadata.at("input_norm"), "true");
  EXPECT_EQ(f.metadata.at("config"), c.config_yaml);

  const auto back = checkpoint_from_safetensors(f, path);
  EXPECT_EQ(back.weights, c.weights);
  EXPECT_EQ(back.labels, c.labels);
  EXPECT_EQ(back.norm_mean, c.norm_mean);
  EXPECT_EQ(back.norm_std, c.norm_std);
  ASSERT_EQ(back.layout.size(), c.layout.size());
  for (std::size_t i = 0; i < c.layout.size(); ++i)
    EXPECT_EQ(back.layout[i].name, c.layout[i].name);

  // A tensor of the wrong shape for the model options is refused.
  auto broken = f;
  broken.tensors[0].shape = {1, broken.tensors[0].shape[0] * broken.tensors[0].shape[1]};
  EXPECT_THROW(checkpoint_from_safetensors(broken, path), InputError);
}

TEST(Safetensors, PurePythonReaderSeesTheSameNamesShapesValuesAndMetadata) {
  for (bool bidirectional : {false, true}) {
    ScratchDir dir;
    const auto path = (dir / "model.safetensors").string();
    const auto c = testing::small_checkpoint(
        testing::small_model_config(CellKind::Lstm, bidirectional, PoolingKind::Attention));
    export_safetensors(c, path);
    const auto expected = dir / "expected";
    std::filesystem::create_directories(expected);
    const auto f = read_safetensors(path);
    for (const auto& t : f.tensors)
      write_npy((expected / (t.name + ".npy")).string(), t.shape, t.data);
    testing::write_file(expected / "metadata.json", nlohmann::json(f.metadata).dump());
    std::string out;
    const int rc = testing::run_command("/usr/bin/python3 " CALMSPACE_SOURCE_DIR
                                        "/tests/export/check_safetensors.py " +
                                            path + " " + expected.string(),
                                        &out);
    if (rc != 0 && out.find("No module named 'numpy'") != std::string::npos)
      GTEST_SKIP() << "numpy is not installed for /usr/bin/python3";
    EXPECT_EQ(rc, 0) << out;
    EXPECT_THAT(out, HasSubstr("ok"));
  }
}

}  // namespace
}  // namespace calmspace
