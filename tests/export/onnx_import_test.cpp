// Reading CalmSpace's own ONNX exports back (onnx_import.h): every model shape comes back with the
// very weights, norm and options, and predicts what the original predicts; an ONNX file that is
// not what the exporter makes from its own contents is a one-line InputError naming the file.
#include "core/export/onnx_import.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <fstream>
#include <functional>
#include <span>

#include "core/base/error.h"
#include "core/export/export_onnx.h"
#include "core/export/model_file.h"
#include "core/predict/predictor.h"
#include "export/export_fixtures.h"

namespace calmspace {
namespace {

using ::testing::HasSubstr;
using testing::ScratchDir;

// Every parameter of the importer's result equals the original's; the norm std may be another
// float with the same reciprocal, which is all the model itself computes with
// (cpu_sequence_model.cpp; voice enrolment scales the std and may differ by float rounding).
void expect_same_model(const Checkpoint& back, const Checkpoint& original) {
  testing::expect_same_model_options(back, original);
  EXPECT_EQ(back.weights, original.weights);
  const bool norm = original.config().model.input_norm;
  ASSERT_EQ(back.norm_mean.size(), original.norm_mean.size());
  for (std::size_t f = 0; f < back.norm_std.size() && norm; ++f) {
    EXPECT_EQ(back.norm_mean[f], original.norm_mean[f]) << f;
    EXPECT_EQ(1.0f / back.norm_std[f], 1.0f / original.norm_std[f]) << f;
  }
}

TEST(OnnxImport, EveryCellPoolingStackAndInputComesBackExactly) {
  int index = 0;
  for (auto cell : {CellKind::RnnTanh, CellKind::RnnRelu, CellKind::Lstm, CellKind::Gru})
    for (auto pooling :
         {PoolingKind::Mean, PoolingKind::Max, PoolingKind::Last, PoolingKind::Attention}) {
      auto config = testing::varied_model_config(index, cell, pooling);
      if (index % 5 == 2) config.model.residual = true;
      if (index % 3 == 1) config.model.layer_norm = true;
      if (index == 9) config.model.temperature = 1.7;
      const Checkpoint original = testing::small_checkpoint(config, 4, 30 + index);
      // Audio on 1, 4, 7, ...: the conv front-end (1, 5, 9, 13) meets both inputs.
      const OnnxInput input = index % 3 == 1 ? OnnxInput::Audio : OnnxInput::Features;
      SCOPED_TRACE(index);
      const Checkpoint back = checkpoint_from_onnx(onnx_model_bytes(original, input), "m.onnx");
      expect_same_model(back, original);
      ++index;
    }
}

TEST(OnnxImport, PredictTakesTheOnnxFileAndAnswersAsTheCheckpointDoes) {
  ScratchDir dir;
  auto config = testing::small_model_config(CellKind::Lstm, true, PoolingKind::Attention);
  config.model.temperature = 1.3;
  const Checkpoint original = testing::small_checkpoint(config, 4, 7);
  const auto onnx_path = (dir / "model.onnx").string();
  export_onnx(original, onnx_path, OnnxInput::Audio);
  const Checkpoint loaded = load_model_checkpoint(onnx_path);
  expect_same_model(loaded, original);

  const std::vector<float> clip = testing::white_noise(16000, 0.1, 3);
  Predictor from_checkpoint(original, 1), from_onnx(loaded, 1);
  const std::span<const float> clips[] = {clip};
  EXPECT_EQ(from_onnx.probabilities(clips), from_checkpoint.probabilities(clips));
}

// The file's model (taking `input`), changed by `edit`, must be refused with `reason`, naming the
// file, and with the way out.
void expect_refused(const Checkpoint& original, const std::function<void(onnx::ModelProto&)>& edit,
                    const std::string& reason, OnnxInput input = OnnxInput::Features) {
  onnx::ModelProto model;
  ASSERT_TRUE(model.ParseFromString(onnx_model_bytes(original, input)));
  edit(model);
  std::string bytes;
  ASSERT_TRUE(model.SerializeToString(&bytes));
  try {
    (void)checkpoint_from_onnx(bytes, "edited.onnx");
    ADD_FAILURE() << "accepted an ONNX model edited for: " << reason;
  } catch (const InputError& e) {
    EXPECT_EQ(e.subject(), "edited.onnx");
    EXPECT_THAT(e.reason(), HasSubstr(reason));
    EXPECT_THAT(e.reason(), HasSubstr("run it with onnxruntime"));
  }
}

// Applies `change` to the initializer whose name starts with `prefix` (which must exist).
std::function<void(onnx::ModelProto&)> edit_initializer(
    const std::string& prefix, const std::function<void(onnx::TensorProto&)>& change) {
  return [prefix, change](onnx::ModelProto& m) {
    int edited = 0;
    for (auto& t : *m.mutable_graph()->mutable_initializer())
      if (t.name().rfind(prefix, 0) == 0) change(t), ++edited;
    ASSERT_EQ(edited, 1) << prefix;
  };
}

// Replaces `from` by `to` in the metadata value under `key` (which must hold it).
std::function<void(onnx::ModelProto&)> edit_metadata(const std::string& key,
                                                     const std::string& from,
                                                     const std::string& to) {
  return [=](onnx::ModelProto& m) {
    int edited = 0;
    for (auto& p : *m.mutable_metadata_props())
      if (p.key() == key) {
        std::string value = p.value();
        const auto at = value.find(from);
        ASSERT_NE(at, std::string::npos) << key << " has no " << from;
        p.set_value(value.replace(at, from.size(), to));
        ++edited;
      }
    ASSERT_EQ(edited, 1) << key;
  };
}

TEST(OnnxImport, AGraphTheExporterWouldNotMakeIsRefusedWithAWayOut) {
  auto config = testing::small_model_config(CellKind::Gru, false, PoolingKind::Mean);
  ASSERT_TRUE(config.model.input_norm);
  const Checkpoint original = testing::small_checkpoint(config, 3, 5);
  const std::string other_graph = "its graph is not the one CalmSpace's exporter makes";
  // A node changed: Softmax over the other axis.
  expect_refused(
      original,
      [](onnx::ModelProto& m) {
        for (auto& n : *m.mutable_graph()->mutable_node())
          if (n.op_type() == "Softmax") n.mutable_attribute(0)->set_i(0);
      },
      other_graph);
  // A constant that is no weight changed: the temperature's inverse, no longer the config's.
  expect_refused(original,
                 edit_initializer("inverse_temperature",
                                  [](onnx::TensorProto& t) { t.set_float_data(0, 0.25f); }),
                 other_graph);
  // The audio front-end's mel matrix changed.
  expect_refused(
      original,
      edit_initializer("mel_filterbank",
                       [](onnx::TensorProto& t) { t.set_float_data(7, t.float_data(7) + 0.5f); }),
      other_graph, OnnxInput::Audio);
  // A node added after the head.
  expect_refused(
      original,
      [](onnx::ModelProto& m) {
        auto* n = m.mutable_graph()->add_node();
        n->set_op_type("Relu");
        n->add_input("logits");
        n->add_output("extra");
      },
      other_graph);
  // Initializers stored as raw bytes (as some converters write them).
  expect_refused(
      original,
      edit_initializer("head.weight",
                       [](onnx::TensorProto& t) {
                         std::string raw(
                             reinterpret_cast<const char*>(t.float_data().data()),
                             sizeof(float) * static_cast<std::size_t>(t.float_data_size()));
                         t.clear_float_data();
                         t.set_raw_data(raw);
                       }),
      "raw_data");
  // An input norm no float std gives.
  expect_refused(original,
                 edit_initializer("input_norm.inv_std",
                                  [](onnx::TensorProto& t) { t.set_float_data(2, -1.0f); }),
                 "not a finite number > 0");
  // No CalmSpace metadata: another exporter's model.
  expect_refused(
      original, [](onnx::ModelProto& m) { m.clear_metadata_props(); },
      "without CalmSpace's metadata");
  // The feature options onnxruntime users read disagree with the config CalmSpace reads.
  expect_refused(original, edit_metadata("features", "n_mels: 5", "n_mels: 6"),
                 "its metadata or model functions are not");
  // A config whose options need more weights than the graph holds.
  expect_refused(original, edit_metadata("config", "hidden_size: 3", "hidden_size: 4"),
                 "is not the");
  // A config whose weights could not fit in the file.
  expect_refused(original, edit_metadata("config", "hidden_size: 3", "hidden_size: 200"),
                 "its own options' weights need");
  // More weights than the import reads.
  expect_refused(original, edit_metadata("config", "hidden_size: 3", "hidden_size: 900"),
                 "the ONNX import reads fewer than");
}

TEST(OnnxImport, BrokenFilesAreOneLineErrorsNamingThem) {
  ScratchDir dir;
  const auto path = (dir / "junk.onnx").string();
  std::ofstream(path) << "this is not protobuf \xff\xff\xff";
  try {
    (void)load_model_checkpoint(path);
    ADD_FAILURE() << "accepted junk";
  } catch (const InputError& e) {
    EXPECT_EQ(e.subject(), path);
    EXPECT_THAT(e.reason(), HasSubstr("not an ONNX model"));
  }
  try {
    (void)load_model_checkpoint((dir / "absent.onnx").string());
    ADD_FAILURE() << "accepted a missing file";
  } catch (const InputError& e) {
    EXPECT_THAT(e.reason(), HasSubstr("no such model file"));
  }
}

}  // namespace
}  // namespace calmspace
