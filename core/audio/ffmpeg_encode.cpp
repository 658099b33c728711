#include "core/audio/ffmpeg_encode.h"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/opt.h>
}

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

#include "core/audio/decode.h"
#include "core/audio/ffmpeg_handles.h"
#include "core/base/error.h"

namespace calmspace {
namespace {

// avio's write callback takes const bytes from FFmpeg 7 (libavformat 61) on.
#if LIBAVFORMAT_VERSION_MAJOR >= 61
using WriteBytes = const std::uint8_t*;
#else
using WriteBytes = std::uint8_t*;
#endif

// The muxer's output: a growing byte string with a write position (mp4 seeks back for moov).
struct MemoryWriter {
  std::string bytes;
  std::int64_t pos = 0;

  static int write(void* self, WriteBytes data, int size) {
    auto& w = *static_cast<MemoryWriter*>(self);
    const auto end = static_cast<std::size_t>(w.pos) + static_cast<std::size_t>(size);
    if (w.bytes.size() < end) w.bytes.resize(end);
    std::memcpy(w.bytes.data() + w.pos, data, static_cast<std::size_t>(size));
    w.pos += size;
    return size;
  }
  static std::int64_t seek(void* self, std::int64_t offset, int whence) {
    auto& w = *static_cast<MemoryWriter*>(self);
    return ffmpeg::memory_seek(&w.pos, static_cast<std::int64_t>(w.bytes.size()), offset, whence);
  }
};

using ffmpeg::CodecContext;
using ffmpeg::Frame;
using ffmpeg::IoContext;
using ffmpeg::Packet;
using FormatContext = ffmpeg::OutputFormat;

void check(int status, const EncodeSpec& spec, const char* what) {
  if (status >= 0) return;
  char text[AV_ERROR_MAX_STRING_SIZE] = {};
  av_strerror(status, text, sizeof text);
  throw InputError("encoder",
                   cat(spec.encoder, " in ", spec.muxer, ": ", what, " failed (", text, ")"));
}

}  // namespace

std::string ffmpeg_encode(std::span<const float> samples, int sample_rate, const EncodeSpec& spec) {
  const AVCodec* codec = avcodec_find_encoder_by_name(spec.encoder.c_str());
  if (!codec) throw InputError("encoder", cat("this FFmpeg has no ", spec.encoder, " encoder"));
  av_log_set_level(AV_LOG_QUIET);  // failures come back as return codes; no "Qavg" chatter
  AVFormatContext* raw_format = nullptr;
  check(avformat_alloc_output_context2(&raw_format, nullptr, spec.muxer.c_str(), nullptr), spec,
        "output context");
  FormatContext format(raw_format);
  MemoryWriter writer;
  constexpr int kIoBuffer = 1 << 16;
  auto* io_buffer = static_cast<unsigned char*>(av_malloc(kIoBuffer));
  if (!io_buffer) throw std::bad_alloc();
  IoContext io(avio_alloc_context(io_buffer, kIoBuffer, 1, &writer, nullptr, &MemoryWriter::write,
                                  &MemoryWriter::seek));
  if (!io) {
    av_free(io_buffer);
    throw std::bad_alloc();
  }
  format->pb = io.get();
  format->flags |= AVFMT_FLAG_CUSTOM_IO;

  CodecContext ctx(avcodec_alloc_context3(codec));
  ctx->sample_rate = sample_rate;
  ctx->sample_fmt = codec->sample_fmts ? codec->sample_fmts[0] : AV_SAMPLE_FMT_FLT;
  av_channel_layout_default(&ctx->ch_layout, 1);
  ctx->bit_rate = spec.bit_rate;
  ctx->time_base = {1, sample_rate};
  if (format->oformat->flags & AVFMT_GLOBALHEADER) ctx->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
  check(avcodec_open2(ctx.get(), codec, nullptr), spec, "opening the encoder");
  AVStream* stream = avformat_new_stream(format.get(), nullptr);
  if (!stream) throw std::bad_alloc();
  check(avcodec_parameters_from_context(stream->codecpar, ctx.get()), spec, "stream parameters");
  stream->time_base = ctx->time_base;
  AVDictionary* options = nullptr;
  if (!spec.movflags.empty()) av_dict_set(&options, "movflags", spec.movflags.c_str(), 0);
  const int header = avformat_write_header(format.get(), &options);
  av_dict_free(&options);
  check(header, spec, "writing the header");

  Packet packet(av_packet_alloc());
  auto drain = [&] {
    while (avcodec_receive_packet(ctx.get(), packet.get()) >= 0) {
      av_packet_rescale_ts(packet.get(), ctx->time_base, stream->time_base);
      packet->stream_index = stream->index;
      check(av_interleaved_write_frame(format.get(), packet.get()), spec, "writing a packet");
    }
  };
  const std::size_t frame_size =
      ctx->frame_size > 0 ? static_cast<std::size_t>(ctx->frame_size) : 1024;
  Frame frame(av_frame_alloc());
  for (std::size_t start = 0; start < samples.size(); start += frame_size) {
    const std::size_t n = std::min(frame_size, samples.size() - start);
    // Encoders with a fixed frame size take only full frames, but the last one may be short
    // when the encoder allows it; pad it with silence otherwise.
    const bool variable = codec->capabilities & AV_CODEC_CAP_VARIABLE_FRAME_SIZE;
    frame->nb_samples = static_cast<int>(variable ? n : frame_size);
    frame->format = ctx->sample_fmt;
    frame->sample_rate = sample_rate;
    check(av_channel_layout_copy(&frame->ch_layout, &ctx->ch_layout), spec, "frame layout");
    check(av_frame_get_buffer(frame.get(), 0), spec, "frame buffer");
    for (int i = 0; i < frame->nb_samples; ++i) {
      const std::size_t k = start + static_cast<std::size_t>(i);
      const float v = k < samples.size() ? std::clamp(samples[k], -1.0f, 1.0f) : 0.0f;
      if (ctx->sample_fmt == AV_SAMPLE_FMT_S16 || ctx->sample_fmt == AV_SAMPLE_FMT_S16P)
        reinterpret_cast<std::int16_t*>(frame->data[0])[i] =
            static_cast<std::int16_t>(std::lround(v * 32767.0f));
      else
        reinterpret_cast<float*>(frame->data[0])[i] = v;  // FLT or FLTP, mono: one plane
    }
    frame->pts = static_cast<std::int64_t>(start);
    check(avcodec_send_frame(ctx.get(), frame.get()), spec, "encoding");
    drain();
    av_frame_unref(frame.get());
  }
  check(avcodec_send_frame(ctx.get(), nullptr), spec, "flushing");
  drain();
  check(av_write_trailer(format.get()), spec, "writing the trailer");
  avio_flush(io.get());
  return std::move(writer.bytes);
}

std::vector<float> codec_round_trip(std::span<const float> samples, int sample_rate,
                                    const EncodeSpec& spec, ResampleQuality quality) {
  const std::string bytes = ffmpeg_encode(samples, sample_rate, spec);
  AudioOptions audio;
  audio.sample_rate = sample_rate;
  audio.resample_quality = quality;
  std::vector<float> out =
      decode_audio(std::as_bytes(std::span(bytes)), spec.encoder, audio).samples;
  out.resize(samples.size(), 0.0f);
  return out;
}

}  // namespace calmspace
