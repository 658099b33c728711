// Spectral kernel, one block per packed frame, fused so that neither the power spectrum nor the
// mel energies ever reach global memory:
//   cuFFT row (bins complex) -> |X|^2 or |X| -> [spectrogram: log -> output]
//   -> shared power row -> sparse mel filters -> log(max(x, floor)) -> [logmel: output]
//   -> shared log-mel row -> liftered DCT-II in double -> [mfcc: output]
// Arithmetic mirrors core/features (spectrum.h, mel_filterbank.h, dct.cpp) operation by operation:
// float products and sums rounded separately (_rn intrinsics: no FMA contraction, as the CPU
// build), filters summed over bins in ascending order, DCT accumulated in double in mel order.
#include <cstdint>

#include "cuda/common/check.h"
#include "cuda/features/feature_device_util.cuh"
#include "cuda/features/feature_kernels.h"

namespace calmspace::cuda {
namespace {

constexpr int kThreads = 128;
constexpr std::size_t kDefaultSharedLimit = 48 * 1024;

// spectrum_values(): re*re + im*im, then sqrt for magnitude.
__device__ float spectrum_value(cufftComplex c, bool magnitude) {
  const float power = __fadd_rn(__fmul_rn(c.x, c.x), __fmul_rn(c.y, c.y));
  return magnitude ? __fsqrt_rn(power) : power;
}

// LogFloor::apply(): values at or below the floor map to exactly float(log(floor)); NaN stays NaN.
__device__ float floored_log(float x, float floor, float log_of_floor) {
  return x <= floor ? log_of_floor : logf(x);
}

template <SpectralKind Kind>
__global__ void __launch_bounds__(kThreads)
    spectral_kernel(const cufftComplex* __restrict__ spectra, ClipTable clips, SpectralParams p,
                    std::int64_t first, PaddedOutput out) {
  extern __shared__ float shared[];
  const std::int64_t g = first + blockIdx.x;
  const int b = clip_of_frame(clips, g);
  const std::int64_t t = g - clips.frame_offsets[b];
  float* row = out.data + (static_cast<std::int64_t>(b) * out.max_frames + t) * out.dim;
  const cufftComplex* spectrum = spectra + static_cast<std::int64_t>(blockIdx.x) * p.bins;

  if constexpr (Kind == SpectralKind::Spectrogram) {
    for (int k = threadIdx.x; k < p.bins; k += blockDim.x)
      row[k] = floored_log(spectrum_value(spectrum[k], p.magnitude), p.floor, p.log_of_floor);
    return;
  } else {
    float* power = shared;            // bins
    float* logmel = shared + p.bins;  // n_mels (kind mfcc)
    for (int k = threadIdx.x; k < p.bins; k += blockDim.x)
      power[k] = spectrum_value(spectrum[k], p.magnitude);
    __syncthreads();
    for (int m = threadIdx.x; m < p.n_mels; m += blockDim.x) {
      const int begin = p.mel_begin[m];
      const int len = p.mel_end[m] - begin;
      const float* w = p.mel_weights + p.mel_offset[m];
      const float* x = power + begin;
      float acc = 0.0f;
      for (int j = 0; j < len; ++j) acc = __fadd_rn(acc, __fmul_rn(w[j], x[j]));
      const float v = floored_log(acc, p.floor, p.log_of_floor);
      if constexpr (Kind == SpectralKind::LogMel)
        row[m] = v;
      else
        logmel[m] = v;
    }
    if constexpr (Kind == SpectralKind::Mfcc) {
      __syncthreads();
      for (int k = threadIdx.x; k < p.n_mfcc; k += blockDim.x) {
        const double* d = p.dct + static_cast<std::int64_t>(k) * p.n_mels;
        double acc = 0.0;
        for (int m = 0; m < p.n_mels; ++m)
          acc = __dadd_rn(acc, __dmul_rn(d[m], static_cast<double>(logmel[m])));
        row[k] = static_cast<float>(acc);
      }
    }
  }
}

template <SpectralKind Kind>
void launch_kind(const cufftComplex* spectra, const ClipTable& clips, const SpectralParams& p,
                 std::int64_t first, std::int64_t count, const PaddedOutput& out,
                 std::size_t shared_bytes, cudaStream_t stream) {
  spectral_kernel<Kind><<<static_cast<unsigned>(count), kThreads, shared_bytes, stream>>>(
      spectra, clips, p, first, out);
  CALMSPACE_CUDA_CHECK_LAUNCH();
}

}  // namespace

std::size_t spectral_shared_bytes(const SpectralParams& p) {
  switch (p.kind) {
    case SpectralKind::Spectrogram:
      return 0;
    case SpectralKind::LogMel:
      return sizeof(float) * static_cast<std::size_t>(p.bins);
    case SpectralKind::Mfcc:
      return sizeof(float) * static_cast<std::size_t>(p.bins + p.n_mels);
  }
  return 0;
}

bool reserve_spectral_shared_memory(SpectralKind kind, std::size_t bytes, int device) {
  if (bytes <= kDefaultSharedLimit) return true;
  int optin = 0;
  CALMSPACE_CUDA_CHECK(
      cudaDeviceGetAttribute(&optin, cudaDevAttrMaxSharedMemoryPerBlockOptin, device));
  if (bytes > static_cast<std::size_t>(optin)) return false;
  const int value = static_cast<int>(bytes);
  if (kind == SpectralKind::LogMel)
    CALMSPACE_CUDA_CHECK(cudaFuncSetAttribute(spectral_kernel<SpectralKind::LogMel>,
                                              cudaFuncAttributeMaxDynamicSharedMemorySize, value));
  else if (kind == SpectralKind::Mfcc)
    CALMSPACE_CUDA_CHECK(cudaFuncSetAttribute(spectral_kernel<SpectralKind::Mfcc>,
                                              cudaFuncAttributeMaxDynamicSharedMemorySize, value));
  return true;
}

void launch_spectral(const cufftComplex* spectra, const ClipTable& clips, const SpectralParams& p,
                     std::int64_t first, std::int64_t count, const PaddedOutput& out,
                     std::size_t shared_bytes, cudaStream_t stream) {
  if (count <= 0) return;
  switch (p.kind) {
    case SpectralKind::Spectrogram:
      return launch_kind<SpectralKind::Spectrogram>(spectra, clips, p, first, count, out,
                                                    shared_bytes, stream);
    case SpectralKind::LogMel:
      return launch_kind<SpectralKind::LogMel>(spectra, clips, p, first, count, out, shared_bytes,
                                               stream);
    case SpectralKind::Mfcc:
      return launch_kind<SpectralKind::Mfcc>(spectra, clips, p, first, count, out, shared_bytes,
                                             stream);
  }
}

}  // namespace calmspace::cuda
