#include "core/audio/ffmpeg_decode.h"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/opt.h>
#include <libswresample/swresample.h>
}

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>
#include <vector>

#include "core/audio/ffmpeg_handles.h"
#include "core/audio/sample_checks.h"
#include "core/audio/sniff.h"
#include "core/base/error.h"

namespace calmspace {
namespace {

// Demuxers allowed on uploads (names as FFmpeg lists them: "matroska,webm", "mov,mp4,m4a,...").
constexpr const char* kFormatWhitelist = "matroska,webm,mov,mp4,m4a,3gp,aac,ogg";

std::string av_error(int code) {
  char text[AV_ERROR_MAX_STRING_SIZE] = {};
  av_strerror(code, text, sizeof text);
  return text;
}

struct MemoryReader {
  std::span<const std::byte> data;
  std::int64_t pos = 0;

  static int read(void* self, std::uint8_t* out, int size) {
    auto& r = *static_cast<MemoryReader*>(self);
    const auto left = static_cast<std::int64_t>(r.data.size()) - r.pos;
    const int n = static_cast<int>(std::clamp<std::int64_t>(left, 0, size));
    if (n == 0) return AVERROR_EOF;
    std::memcpy(out, r.data.data() + r.pos, n);
    r.pos += n;
    return n;
  }
  static std::int64_t seek(void* self, std::int64_t offset, int whence) {
    auto& r = *static_cast<MemoryReader*>(self);
    return ffmpeg::memory_seek(&r.pos, static_cast<std::int64_t>(r.data.size()), offset, whence);
  }
};

using ffmpeg::CodecContext;
using ffmpeg::Frame;
using ffmpeg::IoContext;
using ffmpeg::Packet;
using ffmpeg::Resampler;
using FormatContext = ffmpeg::InputFormat;

// Appends a decoded frame, converted to planar float and averaged over channels, to `mono`.
void append_mono(SwrContext* swr, const AVFrame* frame, int channels, std::vector<float>& mono,
                 std::vector<std::vector<float>>& planes, const std::string& name) {
  const int n = frame->nb_samples;
  planes.resize(channels);
  std::vector<std::uint8_t*> out(channels);
  for (int c = 0; c < channels; ++c) {
    planes[c].resize(n);
    out[c] = reinterpret_cast<std::uint8_t*>(planes[c].data());
  }
  const int got =
      swr_convert(swr, out.data(), n, const_cast<const std::uint8_t**>(frame->extended_data), n);
  if (got < 0) throw InputError(name, "its audio could not be converted (" + av_error(got) + ")");
  const std::size_t start = mono.size();
  mono.resize(start + got);
  for (int i = 0; i < got; ++i) {
    float sum = 0;
    for (int c = 0; c < channels; ++c) sum += planes[c][i];
    mono[start + i] = sum / channels;
  }
}

}  // namespace

bool is_ffmpeg_container(std::span<const std::byte> bytes) {
  auto at = [&](std::size_t i) {
    return i < bytes.size() ? std::to_integer<unsigned>(bytes[i]) : 256u;
  };
  const bool ebml = at(0) == 0x1A && at(1) == 0x45 && at(2) == 0xDF && at(3) == 0xA3;
  const bool iso_bmff = at(4) == 'f' && at(5) == 't' && at(6) == 'y' && at(7) == 'p';
  const bool adts = at(0) == 0xFF && (at(1) & 0xF6) == 0xF0;
  return ebml || iso_bmff || adts;
}

Audio ffmpeg_decode(std::span<const std::byte> bytes, const std::string& name,
                    const AudioOptions& options) {
  if (bytes.empty()) throw InputError(name, "file is empty");
  av_log_set_level(AV_LOG_QUIET);
  MemoryReader reader{bytes};
  constexpr int kBufferSize = 1 << 16;
  auto* buffer = static_cast<std::uint8_t*>(av_malloc(kBufferSize));
  if (!buffer) throw Error("av_malloc failed");
  IoContext io(avio_alloc_context(buffer, kBufferSize, 0, &reader, &MemoryReader::read, nullptr,
                                  &MemoryReader::seek));
  if (!io) {
    av_free(buffer);
    throw Error("avio_alloc_context failed");
  }
  AVFormatContext* raw = avformat_alloc_context();
  if (!raw) throw Error("avformat_alloc_context failed");
  raw->pb = io.get();
  raw->flags |= AVFMT_FLAG_CUSTOM_IO;
  AVDictionary* opts = nullptr;
  av_dict_set(&opts, "format_whitelist", kFormatWhitelist, 0);
  av_dict_set(&opts, "protocol_whitelist", "none", 0);
  const int open = avformat_open_input(&raw, nullptr, nullptr, &opts);  // frees raw on failure
  av_dict_free(&opts);
  if (open < 0) {
    const std::string what = describe_content(bytes.first(std::min(bytes.size(), kSniffBytes)));
    throw InputError(name, "not a recognised audio format (" +
                               (what.empty() ? std::string() : "it looks like " + what + "; ") +
                               "FFmpeg: " + av_error(open) + ")");
  }
  FormatContext format(raw);
  if (const int rc = avformat_find_stream_info(format.get(), nullptr); rc < 0)
    throw InputError(name, "unreadable container (FFmpeg: " + av_error(rc) + ")");
  const AVCodec* codec = nullptr;
  const int stream = av_find_best_stream(format.get(), AVMEDIA_TYPE_AUDIO, -1, -1, &codec, 0);
  if (stream < 0 || !codec)
    throw InputError(name, std::string("no decodable audio stream in this ") +
                               format->iformat->long_name + " file");
  const AVStream* st = format->streams[stream];
  CodecContext decoder(avcodec_alloc_context3(codec));
  if (!decoder) throw Error("avcodec_alloc_context3 failed");
  if (avcodec_parameters_to_context(decoder.get(), st->codecpar) < 0 ||
      avcodec_open2(decoder.get(), codec, nullptr) < 0)
    throw InputError(name, std::string("cannot open the ") + codec->name + " decoder");
  const int channels = decoder->ch_layout.nb_channels;
  const int rate = decoder->sample_rate;
  if (channels < 1 || rate < 1) throw InputError(name, "the audio stream has no channels or rate");
  check_sample_rate(name, rate);

  // Conversion to planar float, set up for the first decoded frame's own format (a decoder may
  // only know it then). A later frame in another format, channel count or rate (a stream whose
  // parameters change midway; found by fuzzing: the converter read planes that did not exist)
  // is refused rather than converted wrongly.
  Resampler swr;
  int input_format = AV_SAMPLE_FMT_NONE;
  auto converter_for = [&](AVFrame* f) -> SwrContext* {
    if (f->ch_layout.nb_channels != channels || f->sample_rate != rate ||
        (swr && f->format != input_format))
      throw InputError(name, cat("its audio changes format midway (", f->ch_layout.nb_channels,
                                 " channels at ", f->sample_rate, " Hz after ", channels, " at ",
                                 rate, " Hz), which is not supported"));
    if (swr) return swr.get();
    SwrContext* raw_swr = nullptr;
    if (swr_alloc_set_opts2(&raw_swr, &f->ch_layout, AV_SAMPLE_FMT_FLTP, rate, &f->ch_layout,
                            static_cast<AVSampleFormat>(f->format), rate, 0, nullptr) < 0 ||
        swr_init(raw_swr) < 0) {
      swr_free(&raw_swr);
      throw InputError(name, "its audio sample format cannot be converted");
    }
    swr.reset(raw_swr);
    input_format = f->format;
    return raw_swr;
  };

  const auto max_frames = static_cast<std::size_t>(options.max_duration_s * rate);
  std::vector<float> mono;
  std::vector<std::vector<float>> planes;
  Packet packet(av_packet_alloc());
  Frame frame(av_frame_alloc());
  bool corrupt = false;
  auto drain = [&] {
    for (;;) {
      const int rc = avcodec_receive_frame(decoder.get(), frame.get());
      if (rc == AVERROR(EAGAIN) || rc == AVERROR_EOF) return;
      if (rc < 0) {
        corrupt = true;
        return;
      }
      append_mono(converter_for(frame.get()), frame.get(), channels, mono, planes, name);
      av_frame_unref(frame.get());
      if (mono.size() > max_frames)
        throw InputError(name, cat("longer than the ", options.max_duration_s, " s allowed"));
    }
  };
  for (;;) {
    const int rc = av_read_frame(format.get(), packet.get());
    if (rc < 0) break;  // end of file, or a truncated tail: keep what decoded
    if (packet->stream_index == stream && avcodec_send_packet(decoder.get(), packet.get()) >= 0)
      drain();
    av_packet_unref(packet.get());
  }
  avcodec_send_packet(decoder.get(), nullptr);
  drain();
  if (mono.empty())
    throw InputError(name, corrupt ? "the audio stream could not be decoded"
                                   : "contains no audio (no frame could be decoded)");
  check_sample_values(name, mono, 1, 0, rate);

  Audio audio;
  audio.source_rate = rate;
  audio.source_channels = channels;
  audio.source_frames = static_cast<std::int64_t>(mono.size());
  std::string container = format->iformat->name;
  container = container.substr(0, container.find(','));
  std::transform(container.begin(), container.end(), container.begin(), ::toupper);
  std::string codec_name = codec->name;
  std::transform(codec_name.begin(), codec_name.end(), codec_name.begin(), ::toupper);
  audio.source_format = container + " " + codec_name;  // "MATROSKA OPUS", "MOV AAC", "OGG OPUS"
  audio.sample_rate = options.sample_rate;
  audio.samples = resample(mono, rate, options.sample_rate, options.resample_quality);
  return audio;
}

Audio ffmpeg_decode_file(const std::string& path, const AudioOptions& options) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path, "cannot be read");
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return ffmpeg_decode({reinterpret_cast<const std::byte*>(text.data()), text.size()}, path,
                       options);
}

}  // namespace calmspace
