// Shape tables (configs/bench/*.yaml): grids and shape lists expand as documented, the committed
// tables parse, errors name the file and the key, and the FLOP convention counts what it says.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include "core/base/error.h"
#include "core/bench/machine_info.h"
#include "core/bench/shape_table.h"

namespace calmspace {
namespace {

using ::testing::HasSubstr;

std::string error_of(const std::string& yaml) {
  try {
    parse_shape_table(yaml, "table.yaml");
  } catch (const InputError& e) {
    return e.what();
  }
  return "no error";
}

TEST(ShapeTable, GridExpandsEveryCombinationOverTheDefaults) {
  const ShapeTable t = parse_shape_table(R"(
defaults: {input: 40, layers: 2, cells: [lstm, gru]}
grid:
  hidden: [64, 128]
  batch: 8
  frames: [100, 200, 300]
)",
                                         "t.yaml");
  ASSERT_EQ(t.shapes.size(), 2u * 3u * 2u);
  std::set<std::string> names;
  for (const auto& s : t.shapes) {
    EXPECT_EQ(s.input, 40);
    EXPECT_EQ(s.layers, 2);
    EXPECT_EQ(s.batch, 8);
    names.insert(s.name());
  }
  EXPECT_EQ(names.size(), t.shapes.size());
  EXPECT_TRUE(names.count("gru/H128_L2_uni_B8_T300_F40"));
}

TEST(ShapeTable, ShapesOverrideDefaultsAndDuplicatesAreDropped) {
  const ShapeTable t = parse_shape_table(R"(
defaults: {cells: rnn}
shapes:
  - {hidden: 32, batch: 2, frames: 10, bidirectional: true}
  - {hidden: 32, batch: 2, frames: 10, bidirectional: true}
  - {hidden: 16, batch: 1, frames: 5, cells: [lstm, rnn_relu]}
)",
                                         "t.yaml");
  ASSERT_EQ(t.shapes.size(), 3u);
  EXPECT_EQ(t.shapes[0].name(), "rnn/H32_L1_bi_B2_T10_F64");
  EXPECT_EQ(t.shapes[1].cell, CellKind::Lstm);
  EXPECT_EQ(t.shapes[2].cell, CellKind::RnnRelu);
}

TEST(ShapeTable, CommittedTablesParse) {
  const std::string dir = CALMSPACE_SOURCE_DIR "/configs/bench/";
  const ShapeTable full = load_shape_table(dir + "full.yaml");
  EXPECT_EQ(full.shapes.size(),
            5u * 4 * 3 * 2 * 2 * 3);  // hidden x batch x T x layers x dirs x cells
  int hidden_min = 1 << 20, hidden_max = 0, batch_max = 0, frames_max = 0;
  for (const auto& s : full.shapes) {
    hidden_min = std::min(hidden_min, s.hidden);
    hidden_max = std::max(hidden_max, s.hidden);
    batch_max = std::max(batch_max, s.batch);
    frames_max = std::max(frames_max, s.frames);
  }
  EXPECT_EQ(hidden_min, 64);
  EXPECT_EQ(hidden_max, 1024);
  EXPECT_EQ(batch_max, 256);
  EXPECT_EQ(frames_max, 1000);
  const ShapeTable quick = load_shape_table(dir + "quick.yaml");
  EXPECT_GE(quick.shapes.size(), 3u);
  for (const auto& s : quick.shapes) EXPECT_LE(s.hidden, 128);
  const ShapeTable ser = load_shape_table(dir + "ser.yaml");
  bool has_recipe_shape = false;
  for (const auto& s : ser.shapes)
    has_recipe_shape = has_recipe_shape || (s.hidden == 128 && s.layers == 2 && s.batch == 32 &&
                                            s.input == 64 && s.cell == CellKind::Lstm);
  EXPECT_TRUE(has_recipe_shape);
}

TEST(ShapeTable, ErrorsNameTheFileAndTheKey) {
  EXPECT_THAT(error_of("grid: {hidden: [64, abc], batch: 1, frames: 1}"),
              HasSubstr("table.yaml: grid.hidden: must be a positive integer, got 'abc'"));
  EXPECT_THAT(error_of("shapes:\n  - {hidden: 8}\n  - {batch: 0}"),
              HasSubstr("table.yaml: shapes[1].batch: must be in [1, "));
  EXPECT_THAT(error_of("shapes:\n  - {hiden: 8}"),
              HasSubstr("table.yaml: shapes[0].hiden: unknown key"));
  EXPECT_THAT(error_of("defaults: {cells: [lstm, transformer]}\nshapes: [{hidden: 8}]"),
              HasSubstr("table.yaml: defaults.cells: unknown cell 'transformer'"));
  EXPECT_THAT(error_of("grids: {}"), HasSubstr("table.yaml: grids: unknown key"));
  EXPECT_THAT(error_of("shapes:\n  - {bidirectional: maybe}"),
              HasSubstr("table.yaml: shapes[0].bidirectional: must be true or false"));
  EXPECT_THAT(error_of("description: nothing"), HasSubstr("table.yaml: no shapes"));
  EXPECT_THAT(error_of("grid: [unclosed"), HasSubstr("table.yaml: not valid YAML"));
  EXPECT_THROW(load_shape_table("/nonexistent/table.yaml"), InputError);
}

TEST(ShapeTable, FlopConventionCountsRecurrentMatrixProducts) {
  // LSTM (G = 4), F = 10, H = 20, 2 layers, bidirectional, B = 3, T = 5.
  RecurrentShape s;
  s.cell = CellKind::Lstm;
  s.input = 10;
  s.hidden = 20;
  s.layers = 2;
  s.bidirectional = true;
  s.batch = 3;
  s.frames = 5;
  const double frames = 15, G = 4, H = 20;
  const double l0 = 2 * G * H * (10 + H), l1 = 2 * G * H * (2 * H + H);  // per direction
  const RecurrentFlops f = recurrent_flops(s);
  EXPECT_DOUBLE_EQ(f.forward, frames * 2 * (l0 + l1));
  EXPECT_DOUBLE_EQ(f.backward_weights, frames * 2 * (l0 + l1));
  // No input gradient at layer 0.
  EXPECT_DOUBLE_EQ(f.backward_data, frames * 2 * (2 * G * H * H + l1));
  EXPECT_DOUBLE_EQ(f.training_step(), f.forward + f.backward_data + f.backward_weights);
}

TEST(MachineRecord, NamesCpuThreadsCudaAndRevision) {
  GpuRuntimeReport r;
  r.compiled = true;
  r.runtime_version = 13000;
  r.cudnn_version = 91900;
  r.no_gpu_reason = "no usable GPU: test";
  const auto m = machine_record(3, r);
  for (const char* key : {"host", "os", "cpu", "logical_cpus", "compiler", "build_type",
                          "git_revision", "git_dirty", "date_utc"})
    EXPECT_TRUE(m.contains(key)) << key;
  EXPECT_EQ(m["threads"], 3);
  EXPECT_EQ(m["cuda"]["runtime_version"], "13.0");
  EXPECT_EQ(m["cuda"]["cudnn_version"], "9.19.0");
  EXPECT_EQ(m["cuda"]["driver_version"], "");
  EXPECT_EQ(m["cuda"]["no_gpu_reason"], "no usable GPU: test");
  EXPECT_FALSE(m["git_revision"].get<std::string>().empty());
}

}  // namespace
}  // namespace calmspace
