// Benchmark shape tables (configs/bench/*.yaml), DeepBench-style problem lists kept as data:
//   description: free text
//   defaults:  {input: 64, classes: 8, layers: 1, bidirectional: false, cells: [rnn, lstm, gru]}
//   grid:      every combination of the listed values (any key may be a scalar or a list);
//              also a list of such maps
//   shapes:    explicit shapes, each a map overriding the defaults; `cells` may be one or a list
// Keys: cells (rnn/rnn_tanh, rnn_relu, lstm, gru), input (F), hidden (H), layers,
// bidirectional, batch (B), frames (T, every clip full length), classes (C).
// Every error is an InputError naming "FILE: path.to.key" and the reason.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/config/model_options.h"

namespace calmspace {

struct RecurrentShape {
  CellKind cell = CellKind::Lstm;
  int input = 64, hidden = 128, layers = 1;
  bool bidirectional = false;
  int batch = 32, frames = 400, classes = 8;

  // "lstm/H128_L2_uni_B32_T400_F64": stable, filterable with --benchmark_filter.
  std::string name() const;
  ModelOptions model_options() const;  // mean pooling, no dropout, no input norm
};

struct ShapeTable {
  std::string path, description;
  std::vector<RecurrentShape> shapes;  // in file order, grids expanded, duplicates removed
};

ShapeTable load_shape_table(const std::string& path);
ShapeTable parse_shape_table(const std::string& yaml_text, const std::string& source);

std::string cell_short_name(CellKind cell);  // rnn, rnn_relu, lstm, gru

// FLOP convention of every recurrent benchmark (also written into result JSON): matrix products
// of the recurrent layers only, one multiply-add = 2 FLOPs, every frame of every clip counted
// (bench batches have no padding). Per layer l and direction, per frame, G gates (rnn 1, gru 3,
// lstm 4), I_l = F for l = 0 else H * directions:
//   forward           2 G H (I_l + H)        (x W_ih^T and h W_hh^T)
//   backward-data     2 G H (I_l + H), but without the I_l term at l = 0 (no input gradient is
//                     needed for the features)
//   backward-weights  2 G H (I_l + H)        (dW_ih and dW_hh)
// Gate nonlinearities, pooling, the head, the loss and the optimizer are not counted.
struct RecurrentFlops {
  double forward = 0, backward_data = 0, backward_weights = 0;
  double training_step() const { return forward + backward_data + backward_weights; }
};
RecurrentFlops recurrent_flops(const RecurrentShape& shape);
inline constexpr const char* kRecurrentFlopConvention =
    "matrix products of the recurrent layers only, multiply-add = 2 FLOPs, every frame counted; "
    "per layer, direction and frame: forward 2GH(I+H), backward-data 2GH(I+H) without the input "
    "term at layer 0, backward-weights 2GH(I+H); G = gates (rnn 1, gru 3, lstm 4), I = layer "
    "input size; gate math, pooling, head, loss and optimizer not counted";

}  // namespace calmspace
