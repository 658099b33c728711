// Shapes and lengths of the convolutional front-end (conv_frontend.h).
#include "core/model/conv_frontend.h"

#include "core/base/error.h"
#include "core/base/text.h"

namespace calmspace {

std::vector<ConvBlockShape> conv_block_shapes(const ModelOptions& options, int input_dim) {
  std::vector<ConvBlockShape> out;
  if (!options.has_conv_frontend()) return out;
  int channels = 1, bins = input_dim - options.conv_bypass;
  if (bins < 1)
    throw InputError("model.conv_bypass",
                     cat("leaves none of the ", input_dim, " feature columns to the convolution"));
  for (int b = 0; b < options.conv_blocks; ++b) {
    ConvBlockShape s;
    s.c_in = channels;
    s.f_in = bins;
    s.c_out = options.conv_channels;
    s.kt = options.conv_kernel_time;
    s.kf = options.conv_kernel_freq;
    s.st = options.conv_stride_time;
    s.sf = options.conv_stride_freq;
    s.pad_f = (s.kf - 1) / 2;
    s.f_out = (bins + s.sf - 1) / s.sf;
    out.push_back(s);
    channels = s.c_out;
    bins = s.f_out;
  }
  return out;
}

int frontend_output_dim(const ModelOptions& options, int input_dim) {
  const auto shapes = conv_block_shapes(options, input_dim);
  return shapes.empty() ? input_dim
                        : static_cast<int>(shapes.back().out_row()) + options.conv_bypass;
}

std::int64_t frontend_time_stride(const ModelOptions& options) {
  std::int64_t stride = 1;
  if (options.has_conv_frontend())
    for (int b = 0; b < options.conv_blocks; ++b) stride *= options.conv_stride_time;
  return stride;
}

std::int64_t frontend_frames(const ModelOptions& options, std::int64_t frames) {
  if (!options.has_conv_frontend()) return frames;
  for (int b = 0; b < options.conv_blocks; ++b)
    frames = (frames + options.conv_stride_time - 1) / options.conv_stride_time;
  return frames;
}

}  // namespace calmspace
