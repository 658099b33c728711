#include "core/audio/sndfile_read.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "core/audio/resample.h"
#include "core/error.h"

namespace calmspace::detail {
namespace {

constexpr sf_count_t kBlockFrames = 1 << 15;  // frames per sf_readf_float call (128 KiB mono)

std::string major_name(int major) {
  switch (major) {
    case SF_FORMAT_WAV:
      return "WAV";
    case SF_FORMAT_WAVEX:
      return "WAVEX";
    case SF_FORMAT_RF64:
      return "RF64";
    case SF_FORMAT_AIFF:
      return "AIFF";
    case SF_FORMAT_AU:
      return "AU";
    case SF_FORMAT_CAF:
      return "CAF";
    case SF_FORMAT_W64:
      return "W64";
    case SF_FORMAT_FLAC:
      return "FLAC";
    case SF_FORMAT_OGG:
      return "OGG";
    case SF_FORMAT_MPEG:
      return "MPEG";
    default:
      return cat("format 0x", std::hex, major);
  }
}

std::string sub_name(int sub) {
  switch (sub) {
    case SF_FORMAT_PCM_S8:
      return "PCM_S8";
    case SF_FORMAT_PCM_U8:
      return "PCM_U8";
    case SF_FORMAT_PCM_16:
      return "PCM_16";
    case SF_FORMAT_PCM_24:
      return "PCM_24";
    case SF_FORMAT_PCM_32:
      return "PCM_32";
    case SF_FORMAT_FLOAT:
      return "FLOAT";
    case SF_FORMAT_DOUBLE:
      return "DOUBLE";
    case SF_FORMAT_ULAW:
      return "ULAW";
    case SF_FORMAT_ALAW:
      return "ALAW";
    case SF_FORMAT_VORBIS:
      return "VORBIS";
    case SF_FORMAT_OPUS:
      return "OPUS";
    case SF_FORMAT_MPEG_LAYER_I:
      return "MPEG_LAYER_I";
    case SF_FORMAT_MPEG_LAYER_II:
      return "MPEG_LAYER_II";
    case SF_FORMAT_MPEG_LAYER_III:
      return "MPEG_LAYER_III";
    default:
      return cat("encoding 0x", std::hex, sub);
  }
}

// Index of the first NaN/infinity in `values`, or values.size() when all are finite.
std::size_t first_non_finite(std::span<const float> values) {
  bool finite = true;  // branch-free pass first: the common case is all finite
  for (const float v : values) finite &= std::isfinite(v);
  if (finite) return values.size();
  return static_cast<std::size_t>(
      std::find_if(values.begin(), values.end(), [](float v) { return !std::isfinite(v); }) -
      values.begin());
}

}  // namespace

std::string format_name(int format) {
  return major_name(format & SF_FORMAT_TYPEMASK) + " " + sub_name(format & SF_FORMAT_SUBMASK);
}

Audio read_sndfile(SNDFILE* file, const SF_INFO& info, const std::string& name,
                   const AudioOptions& options) {
  if (info.channels < 1) throw InputError(name, "the file reports no audio channels");
  if (info.samplerate < 1) throw InputError(name, "the file reports no sample rate");
  if (info.frames <= 0) throw InputError(name, "contains no audio (0 frames)");
  // Frames allowed by max_duration_s; checked against the header first, then while reading
  // (compressed formats may only estimate their length).
  const double max_frames = options.max_duration_s * info.samplerate;
  const auto too_long = [&](double frames) {
    return InputError(
        name, cat("recording is ", frames / info.samplerate,
                  " s long, longer than audio.max_duration_s=", options.max_duration_s, " s"));
  };
  if (double(info.frames) > max_frames) throw too_long(double(info.frames));

  // Integer PCM is scaled to [-1, 1); float data comes as stored, never clipped.
  sf_command(file, SFC_SET_NORM_FLOAT, nullptr, SF_TRUE);
  sf_command(file, SFC_SET_CLIPPING, nullptr, SF_FALSE);

  const int channels = info.channels;
  std::vector<float> mono;  // (frames,) float32 at info.samplerate
  mono.reserve(static_cast<std::size_t>(std::min<double>(double(info.frames), max_frames)));
  std::vector<float> block(static_cast<std::size_t>(kBlockFrames) * channels);  // interleaved
  for (;;) {
    const sf_count_t got = sf_readf_float(file, block.data(), kBlockFrames);
    if (got <= 0) break;
    const std::span<const float> values(block.data(), static_cast<std::size_t>(got) * channels);
    if (const std::size_t bad = first_non_finite(values); bad < values.size()) {
      const std::size_t frame = mono.size() + bad / channels;
      throw InputError(name, cat("contains a non-finite sample (NaN or infinity) at frame ", frame,
                                 " (", double(frame) / info.samplerate, " s)"));
    }
    if (channels == 1) {
      mono.insert(mono.end(), values.begin(), values.end());
    } else {
      const float scale = 1.0f / static_cast<float>(channels);
      for (sf_count_t i = 0; i < got; ++i) {
        const float* frame = values.data() + i * channels;
        float sum = 0;
        for (int c = 0; c < channels; ++c) sum += frame[c];
        mono.push_back(sum * scale);
      }
    }
    if (double(mono.size()) > max_frames) throw too_long(double(mono.size()));
  }
  if (const int err = sf_error(file); err != SF_ERR_NO_ERROR)
    throw InputError(name, cat("decoding failed after ", mono.size(),
                               " frames (libsndfile: ", sf_error_number(err), ")"));
  if (mono.empty()) throw InputError(name, "contains no audio (no frame could be decoded)");

  Audio audio;
  audio.source_rate = info.samplerate;
  audio.source_channels = channels;
  audio.source_frames = static_cast<std::int64_t>(mono.size());
  audio.source_format = format_name(info.format);
  audio.samples = resample(mono, info.samplerate, options.sample_rate, options.resample_quality);
  audio.sample_rate = options.sample_rate;
  if (audio.samples.empty())
    throw InputError(name, cat("too short: ", mono.size(), " frames at ", info.samplerate,
                               " Hz is less than one sample at ", options.sample_rate, " Hz"));
  return audio;
}

}  // namespace calmspace::detail
