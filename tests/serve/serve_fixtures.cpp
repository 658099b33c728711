#include "serve/serve_fixtures.h"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
}

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmath>
#include <fstream>
#include <iterator>
#include <numbers>
#include <stdexcept>

#include "core/audio/encode.h"
#include "core/model/sequence_model.h"
#include "serve/server_harness.h"
#include "support/test_support.h"

namespace calmspace::testing {

namespace {
void check(int rc, const char* what) {
  if (rc < 0) {
    char text[AV_ERROR_MAX_STRING_SIZE] = {};
    av_strerror(rc, text, sizeof text);
    throw std::runtime_error(std::string(what) + ": " + text);
  }
}
}  // namespace

std::string encode_with_ffmpeg(const std::filesystem::path& path, std::span<const float> samples,
                               int sample_rate, const char* muxer, const char* encoder,
                               const char* movflags) {
  AVFormatContext* oc = nullptr;
  check(avformat_alloc_output_context2(&oc, nullptr, muxer, path.c_str()), "output context");
  const AVCodec* codec = avcodec_find_encoder_by_name(encoder);
  if (!codec) throw std::runtime_error(std::string("no encoder ") + encoder);
  AVStream* st = avformat_new_stream(oc, nullptr);
  AVCodecContext* ctx = avcodec_alloc_context3(codec);
  ctx->sample_rate = sample_rate;
  ctx->sample_fmt = codec->sample_fmts[0];
  av_channel_layout_default(&ctx->ch_layout, 1);
  ctx->bit_rate = 64000;
  ctx->time_base = {1, sample_rate};
  if (oc->oformat->flags & AVFMT_GLOBALHEADER) ctx->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
  check(avcodec_open2(ctx, codec, nullptr), "open encoder");
  check(avcodec_parameters_from_context(st->codecpar, ctx), "parameters");
  st->time_base = ctx->time_base;
  check(avio_open(&oc->pb, path.c_str(), AVIO_FLAG_WRITE), "open output");
  AVDictionary* opts = nullptr;
  if (*movflags) av_dict_set(&opts, "movflags", movflags, 0);
  check(avformat_write_header(oc, &opts), "header");
  av_dict_free(&opts);

  AVPacket* pkt = av_packet_alloc();
  auto drain = [&] {
    while (avcodec_receive_packet(ctx, pkt) >= 0) {
      av_packet_rescale_ts(pkt, ctx->time_base, st->time_base);
      pkt->stream_index = st->index;
      check(av_interleaved_write_frame(oc, pkt), "write");
    }
  };
  const int frame_size = ctx->frame_size > 0 ? ctx->frame_size : 1024;
  AVFrame* frame = av_frame_alloc();
  for (std::size_t start = 0; start < samples.size(); start += frame_size) {
    frame->nb_samples = frame_size;
    frame->format = ctx->sample_fmt;
    av_channel_layout_copy(&frame->ch_layout, &ctx->ch_layout);
    check(av_frame_get_buffer(frame, 0), "frame buffer");
    for (int i = 0; i < frame_size; ++i) {
      const float v = start + i < samples.size() ? samples[start + i] : 0.0f;
      if (ctx->sample_fmt == AV_SAMPLE_FMT_S16)
        reinterpret_cast<std::int16_t*>(frame->data[0])[i] =
            static_cast<std::int16_t>(std::lround(v * 32767));
      else
        reinterpret_cast<float*>(frame->data[0])[i] = v;  // FLT or FLTP, mono: one plane
    }
    frame->pts = static_cast<std::int64_t>(start);
    check(avcodec_send_frame(ctx, frame), "encode");
    drain();
    av_frame_unref(frame);
  }
  check(avcodec_send_frame(ctx, nullptr), "flush");
  drain();
  check(av_write_trailer(oc), "trailer");
  av_frame_free(&frame);
  av_packet_free(&pkt);
  avcodec_free_context(&ctx);
  avio_closep(&oc->pb);
  avformat_free_context(oc);
  return read_file(path);
}

int raw_http(int port, const std::string& method, const std::string& raw_target,
             std::string* body) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return 0;
  }
  const std::string request =
      method + " " + raw_target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
  if (send(fd, request.data(), request.size(), 0) != static_cast<ssize_t>(request.size())) {
    close(fd);
    return 0;
  }
  std::string response;
  char buffer[4096];
  for (ssize_t n; (n = recv(fd, buffer, sizeof buffer, 0)) > 0;) response.append(buffer, n);
  close(fd);
  const auto header_end = response.find("\r\n\r\n");
  if (response.rfind("HTTP/1.1 ", 0) != 0 || header_end == std::string::npos) return 0;
  *body = response.substr(header_end + 4);
  return std::stoi(response.substr(9, 3));
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::string voice_wav(const std::filesystem::path& path, double seconds) {
  write_wav16(path.string(), voice_like(seconds, 16000), 16000);
  return read_file(path);
}

}  // namespace calmspace::testing
