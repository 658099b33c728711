// SequenceModel::predict_with_prefixes, the backend-independent way: prefixes become rows.
#include "core/base/error.h"
#include "core/model/conv_frontend.h"
#include "core/model/sequence_model.h"

namespace calmspace {

void check_prefixes(const PaddedBatch& x, std::span<const PrefixRow> prefixes) {
  for (const PrefixRow& p : prefixes) {
    CALMSPACE_CHECK(p.row >= 0 && p.row < x.batch, "prefix of row ", p.row, " in a batch of ",
                    x.batch);
    CALMSPACE_CHECK(p.length >= 1 && p.length <= x.lengths[static_cast<std::size_t>(p.row)],
                    "prefix of ", p.length, " frames of a clip of ",
                    x.lengths[static_cast<std::size_t>(p.row)]);
  }
}

void SequenceModel::predict_with_prefixes(const PaddedBatch& x, std::span<const PrefixRow> prefixes,
                                          std::vector<float>& logits) {
  check_prefixes(x, prefixes);
  if (prefixes.empty()) return forward(x, logits, /*training=*/false, 0);
  std::vector<FrameSlice> slices;
  for (const PrefixRow& p : prefixes) slices.push_back({p.row, 0, p.length});
  forward(append_slices(x, slices), logits, /*training=*/false, 0);
}

std::int64_t forward_bytes_per_frame(const ModelOptions& options, int input_dim) {
  const std::int64_t H = options.hidden_size, G = gate_count(options.cell),
                     dirs = options.directions(), D = options.output_dim();
  // Per layer: outputs (D), gates (G*H), GRU/LSTM cell aux (H), LSTM tanh(c) (H), per direction;
  // dropout mask and copy (2 D) in training only, not counted.
  const std::int64_t aux = options.cell == CellKind::Lstm  ? 2
                           : options.cell == CellKind::Gru ? 1
                                                           : 0;
  // Residual / layer norm: the output after them (D), and xhat (D) + rstd (1) for layer norm.
  const std::int64_t post = options.layer_norm ? 2 * D + 1 : options.residual ? D : 0;
  const std::int64_t per_layer = D + dirs * (G * H + aux * H) + post;
  const std::int64_t attention =
      options.pooling == PoolingKind::Attention ? options.attention_dim + 1 : 0;
  // Conv front-end per block (conv_frontend.h): conv output, normalised copy, activation and the
  // patch matrix (K values per output bin), counted per input frame (a time stride only shrinks
  // them); the recurrent layers see one frame per `stride` input frames (ceil(T / stride) per
  // clip: one frame more per clip at most, not counted).
  std::int64_t frontend = 0, stride = 1;
  for (const ConvBlockShape& b : conv_block_shapes(options, input_dim)) {
    frontend += 4 * b.out_row() + 2 * b.patch() * b.f_out;
    stride *= b.st;
  }
  const std::int64_t recurrent = (frontend > 0 ? frontend_output_dim(options, input_dim) : 0) +
                                 options.num_layers * per_layer + attention;
  // Input batch and its normalised, sorted copy (2 F).
  return 4 * (2 * input_dim + frontend + (recurrent + stride - 1) / stride);
}

}  // namespace calmspace
