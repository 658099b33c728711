// Launchers of the CUDA feature kernels (cuda/feature_*_kernels.cu), called by
// cuda/feature_extractor_cuda.cpp. Plain parameter structs, no core headers, so nvcc compiles the
// kernels without the host library's templates. Shapes: "packed frames" are a ragged batch's frames
// back to back (clip b's frame t is packed frame frame_offsets[b] + t); the output is the padded
// (B, max_frames, dim) tensor of core/tensor.h. Every launcher checks its launch.
#pragma once

#include <cuda_runtime.h>
#include <cufft.h>

#include <cstddef>
#include <cstdint>

namespace calmspace::cuda {

// Device copy of a RaggedFramePlan (cuda/features/feature_batch_plan.h).
struct ClipTable {
  const std::int64_t* sample_offsets = nullptr;  // B
  const std::int64_t* num_samples = nullptr;     // B
  const std::int64_t* frame_offsets = nullptr;   // B + 1
  int batch = 0;
};

// Padded output (B, max_frames, dim), row-major float32, device memory.
struct PaddedOutput {
  float* data = nullptr;
  std::int64_t max_frames = 0;
  int dim = 0;
};

// Framing and sample conditioning, as core/features/framing.h + preprocess.h.
struct FramingParams {
  int n_fft = 0;
  int win = 0;
  int hop = 0;
  int window_offset = 0;  // window start inside the n_fft row
  bool center = true;     // reflect padding by n_fft/2 (else snip edges)
  float preemphasis = 0;  // float(a); 0 = off
  double dither = 0;      // stddev; 0 = off
  std::uint64_t dither_seed = 0;
};

enum class SpectralKind { Spectrogram, LogMel, Mfcc };

// Power/magnitude, mel projection, floored log, DCT with lifter (spectrum.h, mel_filterbank.h,
// dct.h). The mel filters are MelFilterbank's sparse rows; the DCT rows are CepstrumTransform's.
struct SpectralParams {
  SpectralKind kind = SpectralKind::LogMel;
  int bins = 0;            // n_fft/2 + 1
  bool magnitude = false;  // |X| instead of |X|^2
  float floor = 0;         // float(log_floor)
  float log_of_floor = 0;  // float(log(double log_floor)), the value of floored entries
  int n_mels = 0;
  const int* mel_begin = nullptr;   // n_mels: first non-zero bin
  const int* mel_end = nullptr;     // n_mels: one past the last non-zero bin
  const int* mel_offset = nullptr;  // n_mels: filter m's weights start at mel_weights[offset]
  const float* mel_weights = nullptr;
  int n_mfcc = 0;
  const double* dct = nullptr;  // (n_mfcc, n_mels) row-major, liftered, double
};

// Dynamic shared memory the spectral kernel needs, bytes.
std::size_t spectral_shared_bytes(const SpectralParams& p);
// Raises the kernel's dynamic shared memory limit when `bytes` exceeds the default 48 KiB; returns
// false when the device cannot provide it.
bool reserve_spectral_shared_memory(SpectralKind kind, std::size_t bytes, int device);

// Packed frames [first, first + count) -> frames[(g - first) * n_fft + j], windowed, zero outside
// the window. `window` has p.win floats; `samples` is the concatenated clip buffer.
void launch_frame_window(const float* samples, const ClipTable& clips, const FramingParams& p,
                         const float* window, std::int64_t first, std::int64_t count, float* frames,
                         cudaStream_t stream);

// Spectra of packed frames [first, first + count) (row (g - first), bins complex values) -> the
// first base-dim columns of their rows in `out`.
void launch_spectral(const cufftComplex* spectra, const ClipTable& clips, const SpectralParams& p,
                     std::int64_t first, std::int64_t count, const PaddedOutput& out,
                     std::size_t shared_bytes, cudaStream_t stream);

// Prosody columns (core/features/prosody.h): YIN pitch and log energy of each frame's win raw
// conditioned samples, then the per-clip normalisation. The same float and double operations
// in the same order as PitchTracker::estimate, frame_log_energy and normalise_prosody.
struct ProsodyParams {
  int sample_rate = 0;
  int tau_min = 0, tau_max = 0;  // lags searched, samples
  int integration = 0;           // W = win - tau_max
  double threshold = 0;          // voicing_threshold
  double log_floor = 0;          // energy floor (features.log_floor)
  int pitch_col = -1;            // voicing column; log-F0 at pitch_col + 1; -1 = none
  int energy_col = -1;           // -1 = none
};

// Dynamic shared memory the prosody frame kernel needs, bytes.
std::size_t prosody_shared_bytes(const FramingParams& framing, const ProsodyParams& p);

// Raw prosody columns of every packed frame [0, total_frames) into its row of `out`.
void launch_prosody(const float* samples, const ClipTable& clips, const FramingParams& framing,
                    const ProsodyParams& p, std::int64_t total_frames, const PaddedOutput& out,
                    std::size_t shared_bytes, cudaStream_t stream);

// normalise_prosody() of each clip's true frames, in place (one thread per clip, in frame
// order, as the CPU).
void launch_prosody_normalise(const ClipTable& clips, const ProsodyParams& p,
                              const PaddedOutput& out, cudaStream_t stream);

// Zeroes every row t >= length(b) of every clip b (t < out.max_frames).
void launch_zero_padding(const ClipTable& clips, const PaddedOutput& out, cudaStream_t stream);

// Regression deltas (deltas.h) over each clip's true frames: columns [in_col, in_col + dim) ->
// [out_col, out_col + dim) of the same rows, replicating the first and last frame.
void launch_deltas(const ClipTable& clips, const PaddedOutput& out, std::int64_t total_frames,
                   int in_col, int out_col, int dim, int half_window, cudaStream_t stream);

// Per-clip CMVN (cmvn.h) over each clip's true frames, all out.dim columns, in place.
void launch_cmvn(const ClipTable& clips, const PaddedOutput& out, bool variance,
                 cudaStream_t stream);

}  // namespace calmspace::cuda
