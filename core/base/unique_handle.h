// The one owner of a C library's handles (HDF5 ids, SQLite connections and statements, FFmpeg
// contexts, libsndfile files, FFTW plans, CUDA streams and events, cuDNN / cuBLAS / cuFFT
// handles and descriptors): move-only, releasing exactly once, never throwing from its destructor.
//   struct Traits {
//     using Handle = ...;                        // a pointer or an integer id
//     static Handle null() noexcept;             // the "owns nothing" value
//     static void close(Handle h) noexcept;      // releases a valid handle, status ignored
//   };
// Creation is checked where a handle is made (each library's own check macro or function names
// the call and the reason); this type only owns.
#pragma once

#include <utility>

namespace calmspace {

template <class Traits>
class UniqueHandle {
 public:
  using Handle = typename Traits::Handle;

  UniqueHandle() noexcept = default;
  explicit UniqueHandle(Handle h) noexcept : h_(h) {}
  ~UniqueHandle() { reset(); }
  UniqueHandle(UniqueHandle&& other) noexcept : h_(other.release()) {}
  UniqueHandle& operator=(UniqueHandle&& other) noexcept {
    if (this != &other) reset(other.release());
    return *this;
  }
  UniqueHandle(const UniqueHandle&) = delete;
  UniqueHandle& operator=(const UniqueHandle&) = delete;

  Handle get() const noexcept { return h_; }
  // For pointer handles: their fields (format->streams).
  Handle operator->() const noexcept { return h_; }
  explicit operator bool() const noexcept { return h_ != Traits::null(); }
  // Gives the handle up without closing it.
  Handle release() noexcept { return std::exchange(h_, Traits::null()); }
  // Closes what is owned (if anything) and owns `h` instead.
  void reset(Handle h = Traits::null()) noexcept {
    const Handle old = std::exchange(h_, h);
    if (old != Traits::null()) Traits::close(old);
  }
  // For C functions that create through an out-parameter (sqlite3_open_v2(path, out(), ...)):
  // closes what is owned and hands out the slot.
  Handle* out() noexcept {
    reset();
    return &h_;
  }

 private:
  Handle h_ = Traits::null();
};

}  // namespace calmspace
