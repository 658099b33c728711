#include "core/model/init.h"

#include <cmath>
#include <vector>

#include "core/base/error.h"
#include "core/model/dropout.h"
#include "core/model/sequence_model.h"

namespace calmspace {
namespace {

// Uniform in [0, 1) from the (key, i) draw.
double unit_uniform(std::uint64_t key, std::uint64_t i) {
  return static_cast<double>(splitmix64(key ^ i) >> 11) * 0x1.0p-53;
}

// Overwrites each gate's (H, H) block of a weight_hh tensor (G*H, H) with the Q of a random
// Gaussian matrix (Box-Muller draws keyed by index; modified Gram-Schmidt in double on the rows,
// which is QR of its transpose). Saxe et al. 2014; like torch.nn.init.orthogonal_ per gate.
void orthogonal_gate_blocks(std::uint64_t key, const ParamView& p, std::span<float> weights) {
  const std::int64_t H = p.shape[1];
  const std::int64_t gates = p.shape[0] / H;
  std::vector<double> q(static_cast<std::size_t>(H * H));
  for (std::int64_t g = 0; g < gates; ++g) {
    const std::int64_t base = p.offset + g * H * H;
    for (std::int64_t i = 0; i < H * H; ++i) {
      const auto index = static_cast<std::uint64_t>(base + i);
      const double u1 = 1.0 - unit_uniform(key, 2 * index);  // (0, 1]
      const double u2 = unit_uniform(key, 2 * index + 1);
      q[static_cast<std::size_t>(i)] =
          std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * 3.14159265358979323846 * u2);
    }
    for (std::int64_t r = 0; r < H; ++r) {
      double* row = &q[static_cast<std::size_t>(r * H)];
      for (std::int64_t s = 0; s < r; ++s) {
        const double* prev = &q[static_cast<std::size_t>(s * H)];
        double dot = 0;
        for (std::int64_t c = 0; c < H; ++c) dot += row[c] * prev[c];
        for (std::int64_t c = 0; c < H; ++c) row[c] -= dot * prev[c];
      }
      double norm = 0;
      for (std::int64_t c = 0; c < H; ++c) norm += row[c] * row[c];
      norm = std::sqrt(norm);
      CALMSPACE_CHECK(norm > 1e-12, "degenerate orthogonal draw in ", p.name);
      for (std::int64_t c = 0; c < H; ++c) row[c] /= norm;
    }
    for (std::int64_t i = 0; i < H * H; ++i)
      weights[static_cast<std::size_t>(base + i)] =
          static_cast<float>(q[static_cast<std::size_t>(i)]);
  }
}

}  // namespace

void init_parameters(const ModelOptions& options, int input_dim, int num_classes,
                     std::uint64_t seed, std::span<float> weights) {
  const auto layout = parameter_layout(options, input_dim, num_classes);
  CALMSPACE_CHECK(
      static_cast<std::int64_t>(weights.size()) == layout.back().offset + layout.back().size,
      "weights size ", weights.size());
  const std::uint64_t key = splitmix64(seed ^ 0x243F6A8885A308D3ull);
  const std::uint64_t orthogonal_key = splitmix64(seed ^ 0x13198A2E03707344ull);
  const std::int64_t H = options.hidden_size;
  for (const auto& p : layout) {
    const bool frontend = p.name.rfind("frontend.", 0) == 0;
    if (p.name.rfind("norm.", 0) == 0 || (frontend && p.name.find(".norm.") != std::string::npos)) {
      // LayerNorm: gamma 1, beta 0 (as PyTorch)
      const float value = p.name.ends_with(".weight") ? 1.0f : 0.0f;
      for (std::int64_t i = p.offset; i < p.offset + p.size; ++i)
        weights[static_cast<std::size_t>(i)] = value;
      continue;
    }
    double fan_in = static_cast<double>(H);
    if (frontend)  // Conv2d: +-1/sqrt(C_in kt kf) for weight and bias (PyTorch's default)
      fan_in = static_cast<double>(
          options.conv_kernel_time * options.conv_kernel_freq *
          (p.name.rfind("frontend.blocks.0.", 0) == 0 ? 1 : options.conv_channels));
    else if (p.name.rfind("rnn.", 0) != 0)
      fan_in = p.name == "pool.attention.v" ? static_cast<double>(options.attention_dim)
                                            : static_cast<double>(options.output_dim());
    const double bound = 1.0 / std::sqrt(fan_in);
    for (std::int64_t i = p.offset; i < p.offset + p.size; ++i)
      weights[static_cast<std::size_t>(i)] = static_cast<float>(
          (2.0 * unit_uniform(key, static_cast<std::uint64_t>(i)) - 1.0) * bound);
    if (options.recurrent_init == RecurrentInit::Orthogonal &&
        p.name.rfind("rnn.weight_hh", 0) == 0)
      orthogonal_gate_blocks(orthogonal_key, p, weights);
    // LSTM gate order i, f, g, o: the forget gate is rows [H, 2H) of bias_ih.
    if (options.cell == CellKind::Lstm && options.forget_bias != 0 &&
        p.name.rfind("rnn.bias_ih", 0) == 0)
      for (std::int64_t i = p.offset + H; i < p.offset + 2 * H; ++i)
        weights[static_cast<std::size_t>(i)] += static_cast<float>(options.forget_bias);
  }
}

}  // namespace calmspace
