#include "core/audio/decode.h"

#include <sndfile.h>
#include <soxr.h>

#include <cmath>
#include <cstring>
#include <memory>

#include "core/error.h"

namespace calmspace {
namespace {

struct SndfileCloser {
  void operator()(SNDFILE* f) const { sf_close(f); }
};
using SndfilePtr = std::unique_ptr<SNDFILE, SndfileCloser>;

// Reads every frame of an open file as interleaved float and averages channels.
Audio read_open_file(SNDFILE* file, const SF_INFO& info, const std::string& name,
                     const AudioOptions& options) {
  if (info.channels < 1) throw InputError(name, "file reports no audio channels");
  if (info.samplerate < 1) throw InputError(name, "file reports no sample rate");
  if (info.frames <= 0) throw InputError(name, "no audio frames");
  if (double(info.frames) / info.samplerate > options.max_duration_s)
    throw InputError(name, cat("longer than audio.max_duration_s=", options.max_duration_s, " s"));

  Audio audio;
  audio.source_rate = info.samplerate;
  audio.source_channels = info.channels;
  SF_FORMAT_INFO major{}, sub{};
  major.format = info.format & SF_FORMAT_TYPEMASK;
  sub.format = info.format & SF_FORMAT_SUBMASK;
  sf_command(nullptr, SFC_GET_FORMAT_INFO, &major, sizeof(major));
  sf_command(nullptr, SFC_GET_FORMAT_INFO, &sub, sizeof(sub));
  audio.source_format = cat(major.name ? major.name : "?", " / ", sub.name ? sub.name : "?");

  // Float data is read as is (no clipping/normalisation of values beyond +-1).
  sf_command(file, SFC_SET_NORM_FLOAT, nullptr, SF_TRUE);
  std::vector<float> mono;
  mono.reserve(static_cast<std::size_t>(info.frames));
  std::vector<float> block(static_cast<std::size_t>(4096) * info.channels);
  for (;;) {
    const sf_count_t got = sf_readf_float(file, block.data(), 4096);
    if (got <= 0) break;
    for (sf_count_t i = 0; i < got; ++i) {
      double sum = 0;
      for (int c = 0; c < info.channels; ++c) sum += block[i * info.channels + c];
      const double v = sum / info.channels;
      if (!std::isfinite(v))
        throw InputError(name, cat("non-finite sample (NaN or infinity) at frame ", mono.size()));
      mono.push_back(static_cast<float>(v));
    }
  }
  if (sf_error(file) != SF_ERR_NO_ERROR)
    throw InputError(name, cat("decoding failed: ", sf_strerror(file)));
  if (mono.empty()) throw InputError(name, "no audio frames could be decoded");
  audio.source_frames = static_cast<std::int64_t>(mono.size());
  audio.samples = resample(mono, info.samplerate, options.sample_rate, options.resample_quality);
  audio.sample_rate = options.sample_rate;
  return audio;
}

unsigned long soxr_recipe(ResampleQuality quality) {
  switch (quality) {
    case ResampleQuality::Quick:
      return SOXR_QQ;
    case ResampleQuality::Low:
      return SOXR_LQ;
    case ResampleQuality::Medium:
      return SOXR_MQ;
    case ResampleQuality::High:
      return SOXR_HQ;
    case ResampleQuality::VeryHigh:
      return SOXR_VHQ;
  }
  return SOXR_HQ;
}

}  // namespace

std::vector<float> resample(std::span<const float> input, int from_rate, int to_rate,
                            ResampleQuality quality) {
  if (from_rate == to_rate) return {input.begin(), input.end()};
  const double ratio = double(to_rate) / from_rate;
  std::vector<float> out(static_cast<std::size_t>(std::ceil(input.size() * ratio)) + 16);
  std::size_t done = 0;
  const soxr_io_spec_t io = soxr_io_spec(SOXR_FLOAT32_I, SOXR_FLOAT32_I);
  const soxr_quality_spec_t q = soxr_quality_spec(soxr_recipe(quality), 0);
  const soxr_error_t err = soxr_oneshot(from_rate, to_rate, 1, input.data(), input.size(), nullptr,
                                        out.data(), out.size(), &done, &io, &q, nullptr);
  if (err) throw Error(cat("libsoxr resampling ", from_rate, " -> ", to_rate, " Hz failed: ", err));
  out.resize(done);
  return out;
}

Audio load_audio(const std::string& path, const AudioOptions& options) {
  SF_INFO info{};
  SndfilePtr file(sf_open(path.c_str(), SFM_READ, &info));
  if (!file) throw InputError(path, cat("cannot decode: ", sf_strerror(nullptr)));
  return read_open_file(file.get(), info, path, options);
}

Audio decode_audio(std::span<const std::byte> bytes, const std::string& name,
                   const AudioOptions& options) {
  struct Cursor {
    std::span<const std::byte> data;
    sf_count_t pos = 0;
  } cursor{bytes};
  SF_VIRTUAL_IO io{};
  io.get_filelen = [](void* u) -> sf_count_t { return static_cast<Cursor*>(u)->data.size(); };
  io.seek = [](sf_count_t offset, int whence, void* u) -> sf_count_t {
    auto* c = static_cast<Cursor*>(u);
    const sf_count_t base = whence == SEEK_SET   ? 0
                            : whence == SEEK_CUR ? c->pos
                                                 : sf_count_t(c->data.size());
    c->pos = std::clamp<sf_count_t>(base + offset, 0, c->data.size());
    return c->pos;
  };
  io.read = [](void* ptr, sf_count_t count, void* u) -> sf_count_t {
    auto* c = static_cast<Cursor*>(u);
    const sf_count_t n = std::min<sf_count_t>(count, c->data.size() - c->pos);
    std::memcpy(ptr, c->data.data() + c->pos, static_cast<std::size_t>(n));
    c->pos += n;
    return n;
  };
  io.write = [](const void*, sf_count_t, void*) -> sf_count_t { return 0; };
  io.tell = [](void* u) -> sf_count_t { return static_cast<Cursor*>(u)->pos; };
  SF_INFO info{};
  SndfilePtr file(sf_open_virtual(&io, SFM_READ, &info, &cursor));
  if (!file) throw InputError(name, cat("cannot decode: ", sf_strerror(nullptr)));
  return read_open_file(file.get(), info, name, options);
}

}  // namespace calmspace
