// Internal to core/audio: FFmpeg's objects as owned handles (core/base/unique_handle.h), shared
// by the decoder (ffmpeg_decode.cpp) and the encoder (ffmpeg_encode.cpp).
#pragma once

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/mem.h>
#include <libswresample/swresample.h>
}

#include <cstdint>
#include <cstdio>

#include "core/base/unique_handle.h"

namespace calmspace::ffmpeg {

template <class T, void (*Free)(T*)>
struct Traits {
  using Handle = T*;
  static T* null() noexcept { return nullptr; }
  static void close(T* p) noexcept { Free(p); }
};
inline void free_io(AVIOContext* io) {
  av_freep(&io->buffer);
  avio_context_free(&io);
}
inline void close_input(AVFormatContext* f) {
  avformat_close_input(&f);
}
inline void free_output(AVFormatContext* f) {
  avformat_free_context(f);  // custom I/O: the AVIOContext is owned separately
}
inline void free_codec(AVCodecContext* c) {
  avcodec_free_context(&c);
}
inline void free_swr(SwrContext* s) {
  swr_free(&s);
}
inline void free_packet(AVPacket* p) {
  av_packet_free(&p);
}
inline void free_frame(AVFrame* f) {
  av_frame_free(&f);
}
using IoContext = UniqueHandle<Traits<AVIOContext, free_io>>;
using InputFormat = UniqueHandle<Traits<AVFormatContext, close_input>>;
using OutputFormat = UniqueHandle<Traits<AVFormatContext, free_output>>;
using CodecContext = UniqueHandle<Traits<AVCodecContext, free_codec>>;
using Resampler = UniqueHandle<Traits<SwrContext, free_swr>>;
using Packet = UniqueHandle<Traits<AVPacket, free_packet>>;
using Frame = UniqueHandle<Traits<AVFrame, free_frame>>;

// avio seek callback arithmetic for an in-memory file of `size` bytes read or written at *pos:
// the new position (or the size for AVSEEK_SIZE), -1 before the start.
inline std::int64_t memory_seek(std::int64_t* pos, std::int64_t size, std::int64_t offset,
                                int whence) {
  if (whence & AVSEEK_SIZE) return size;
  const std::int64_t base = (whence & 3) == SEEK_CUR ? *pos : (whence & 3) == SEEK_END ? size : 0;
  if (base + offset < 0) return -1;
  *pos = base + offset;
  return *pos;
}

}  // namespace calmspace::ffmpeg
