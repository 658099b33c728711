// CudaFeatureExtractor: owns the uploaded constants (window, mel filters, DCT), one cuFFT plan, a
// grow-only workspace and the stream ordering; enqueues the kernels of cuda/feature_kernels.h.
#include "cuda/features/feature_extractor_cuda.h"

#include <cuda_runtime.h>
#include <cufft.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "core/base/error.h"
#include "core/features/dct.h"
#include "core/features/framing.h"
#include "core/features/mel_filterbank.h"
#include "core/features/prosody.h"
#include "core/features/spectrum.h"
#include "core/features/window.h"
#include "cuda/common/check.h"
#include "cuda/common/device_buffer.h"
#include "cuda/common/pinned_buffer.h"
#include "cuda/common/runtime.h"
#include "cuda/common/stream_event.h"
#include "cuda/features/cufft_plan.h"
#include "cuda/features/feature_batch_plan.h"
#include "cuda/features/feature_kernels.h"

namespace calmspace {
namespace {

using cuda::DeviceBuffer;

template <class T>
DeviceBuffer<T> upload(const std::vector<T>& host) {
  DeviceBuffer<T> d(host.size());
  if (!host.empty()) d.copy_from_host(host.data(), host.size());
  return d;
}

// Grows `buffer` to at least `count` elements (contents are not kept).
template <class T>
void ensure_capacity(DeviceBuffer<T>& buffer, std::size_t count) {
  if (buffer.size() < count) buffer = DeviceBuffer<T>(count);
}

// Grows pinned `buffer` to at least `count` elements, with half again as much headroom so a
// stream of slightly growing batches does not pay cudaMallocHost (milliseconds) every call.
template <class T>
void ensure_capacity(cuda::PinnedBuffer<T>& buffer, std::size_t count) {
  if (buffer.size() < count) buffer = cuda::PinnedBuffer<T>(std::max(count, buffer.size() * 3 / 2));
}

void require_device_pointer(const void* p, const char* what) {
  if (p == nullptr) throw InputError(cat("extract_device: ", what), "is null");
  cudaPointerAttributes attributes{};
  CALMSPACE_CUDA_CHECK(cudaPointerGetAttributes(&attributes, p));
  if (attributes.type == cudaMemoryTypeUnregistered)
    throw InputError(cat("extract_device: ", what),
                     "is ordinary host memory; pass GPU memory (or use extract_batch)");
}

class CudaFeatureExtractorImpl final : public CudaFeatureExtractor {
 public:
  CudaFeatureExtractorImpl(const FeatureOptions& options, int sample_rate, int device);

  const FeatureOptions& options() const override { return options_; }
  int sample_rate() const override { return sample_rate_; }
  std::string backend_name() const override { return "cuda"; }
  int device() const override { return device_; }

  PaddedBatch extract_batch(std::span<const std::span<const float>> clips) override;
  void extract_device(const DeviceClips& clips, const DeviceFeatures& out, void* stream) override;

 private:
  // Enqueues the whole pipeline for `plan` on `stream`.
  void run(const cuda::RaggedFramePlan& plan, const float* samples, float* out,
           std::int64_t out_max_frames, std::int64_t* lengths_out, cudaStream_t stream);

  FeatureOptions options_;
  int sample_rate_;
  int device_;
  FrameLayout layout_;
  int bins_ = 0;
  int base_dim_ = 0;
  int feature_dim_ = 0;

  cuda::FramingParams framing_;
  cuda::SpectralParams spectral_;
  std::size_t spectral_shared_ = 0;
  cuda::ProsodyParams prosody_;  // features.extra; columns -1 when none
  std::size_t prosody_shared_ = 0;
  DeviceBuffer<float> window_;
  DeviceBuffer<int> mel_begin_, mel_end_, mel_offset_;
  DeviceBuffer<float> mel_weights_;
  DeviceBuffer<double> dct_;

  int fft_batch_ = 0;              // frames per cuFFT execution
  std::int64_t chunk_frames_ = 0;  // packed frames per chunk (multiple of fft_batch_)
  cuda::CufftPlan plan_;
  DeviceBuffer<unsigned char> fft_work_;

  // Workspace, grown on demand, shared by successive calls (ordered by done_).
  DeviceBuffer<float> frames_;          // (rows, n_fft)
  DeviceBuffer<cufftComplex> spectra_;  // (rows, bins)
  DeviceBuffer<std::int64_t> table_;    // ClipTable arrays + lengths
  cuda::PinnedBuffer<std::int64_t> table_host_;
  cuda::Event table_copied_;  // the pinned table may be rewritten once this has passed
  cuda::Event done_;          // end of the previous call's work, on its stream

  // Host entry point staging: clips are concatenated straight into pinned memory and features
  // come back into pinned memory, so both copies run at full PCIe/NVLink speed (pageable copies
  // are staged by the driver through its own bounce buffer).
  cuda::Stream stream_;
  DeviceBuffer<float> host_samples_;
  DeviceBuffer<float> host_out_;
  cuda::PinnedBuffer<float> pinned_samples_;  // (total samples) clips back to back
  cuda::PinnedBuffer<float> pinned_out_;      // (B, max_frames, dim) padded features
};

const FeatureOptions& validated(const FeatureOptions& options, int sample_rate) {
  if (sample_rate < 1) throw InputError("audio.sample_rate", "must be >= 1");
  options.validate(sample_rate);
  return options;
}

int checked_device(int device) {
  const cuda::RuntimeReport report = cuda::query_runtime();
  if (!report.has_gpu()) throw Error("CUDA feature extractor: " + report.no_gpu_reason);
  if (device < 0 || device >= static_cast<int>(report.gpus.size()))
    throw InputError("device",
                     cat(device, " is not a GPU index (", report.gpus.size(), " GPU(s) visible)"));
  CALMSPACE_CUDA_CHECK(cudaSetDevice(device));
  return device;
}

CudaFeatureExtractorImpl::CudaFeatureExtractorImpl(const FeatureOptions& options, int sample_rate,
                                                   int device)
    : options_(validated(options, sample_rate)),
      sample_rate_(sample_rate),
      device_(checked_device(device)),
      layout_(FrameLayout::from(options, sample_rate)),
      bins_(options.num_bins(sample_rate)),
      base_dim_(options.base_dim(sample_rate)),
      feature_dim_(options.feature_dim(sample_rate)) {
  framing_.n_fft = layout_.n_fft;
  framing_.win = layout_.win;
  framing_.hop = layout_.hop;
  framing_.window_offset = layout_.window_offset;
  framing_.center = layout_.center;
  framing_.preemphasis = static_cast<float>(options_.preemphasis);  // preemphasize()'s coef
  framing_.dither = options_.dither;
  framing_.dither_seed = options_.dither_seed;
  window_ = upload(make_window(options_.window, layout_.win));

  const LogFloor log_floor(options_.log_floor);
  spectral_.bins = bins_;
  spectral_.magnitude = options_.spectrum == SpectrumKind::Magnitude;
  spectral_.floor = static_cast<float>(options_.log_floor);  // LogFloor's floor_
  spectral_.log_of_floor = log_floor.floor_value();
  spectral_.kind = options_.kind == FeatureKind::Spectrogram ? cuda::SpectralKind::Spectrogram
                   : options_.kind == FeatureKind::LogMel    ? cuda::SpectralKind::LogMel
                                                             : cuda::SpectralKind::Mfcc;
  if (options_.kind != FeatureKind::Spectrogram) {
    // The CPU's own sparse filters, uploaded as they are.
    const MelFilterbank mel(options_, sample_rate_);
    std::vector<int> begin, end, offset;
    std::vector<float> weights;
    for (int m = 0; m < mel.num_mels(); ++m) {
      begin.push_back(mel.begin(m));
      end.push_back(mel.end(m));
      offset.push_back(static_cast<int>(weights.size()));
      for (int k = mel.begin(m); k < mel.end(m); ++k) weights.push_back(mel.weight(m, k));
    }
    mel_begin_ = upload(begin);
    mel_end_ = upload(end);
    mel_offset_ = upload(offset);
    mel_weights_ = upload(weights.empty() ? std::vector<float>{0.0f} : weights);
    spectral_.n_mels = mel.num_mels();
    spectral_.mel_begin = mel_begin_.data();
    spectral_.mel_end = mel_end_.data();
    spectral_.mel_offset = mel_offset_.data();
    spectral_.mel_weights = mel_weights_.data();
  }
  if (options_.kind == FeatureKind::Mfcc) {
    // CepstrumTransform's matrix: DCT rows scaled by the lifter, in double.
    std::vector<double> dct = dct_matrix(options_.n_mfcc, options_.n_mels);
    const std::vector<double> lift = lifter_coefficients(options_.n_mfcc, options_.lifter);
    for (int k = 0; k < options_.n_mfcc; ++k)
      for (int m = 0; m < options_.n_mels; ++m)
        dct[static_cast<std::size_t>(k) * options_.n_mels + m] *= lift[static_cast<std::size_t>(k)];
    dct_ = upload(dct);
    spectral_.n_mfcc = options_.n_mfcc;
    spectral_.dct = dct_.data();
  }
  spectral_shared_ = cuda::spectral_shared_bytes(spectral_);
  if (!cuda::reserve_spectral_shared_memory(spectral_.kind, spectral_shared_, device_))
    throw InputError("features.n_fft",
                     cat(layout_.n_fft, " needs ", spectral_shared_,
                         " bytes of shared memory per block, more than this GPU offers"));

  const ProsodyColumns columns = ProsodyColumns::of(options_, sample_rate_);
  prosody_.pitch_col = columns.pitch;
  prosody_.energy_col = columns.energy;
  prosody_.sample_rate = sample_rate_;
  prosody_.threshold = options_.voicing_threshold;
  prosody_.log_floor = options_.log_floor;
  if (columns.pitch >= 0) {
    const PitchTracker tracker(options_, sample_rate_);
    prosody_.tau_min = tracker.tau_min();
    prosody_.tau_max = tracker.tau_max();
    prosody_.integration = tracker.integration();
  }
  if (columns.any()) {
    prosody_shared_ = cuda::prosody_shared_bytes(framing_, prosody_);
    if (prosody_shared_ > 48 * 1024)
      throw InputError("features.win_ms", cat(options_.win_ms,
                                              " ms is too long a window for the "
                                              "GPU prosody kernel (at most 48 KiB of samples and "
                                              "lags); set features.device: cpu"));
  }

  fft_batch_ = cuda::fft_batch_frames(layout_.n_fft);
  chunk_frames_ = cuda::chunk_frames(layout_.n_fft, bins_);
  plan_ = cuda::CufftPlan(layout_.n_fft, fft_batch_);
  fft_work_ = DeviceBuffer<unsigned char>(std::max<std::size_t>(plan_.work_size(), 1));
}

void CudaFeatureExtractorImpl::run(const cuda::RaggedFramePlan& plan, const float* samples,
                                   float* out, std::int64_t out_max_frames,
                                   std::int64_t* lengths_out, cudaStream_t stream) {
  const auto batch = static_cast<std::size_t>(plan.batch());
  // The previous call may still use the workspace on another stream.
  CALMSPACE_CUDA_CHECK(cudaStreamWaitEvent(stream, done_.get(), 0));

  // Clip table [sample_offsets B | num_samples B | frame_offsets B+1 | lengths B] via pinned
  // memory: an asynchronous copy, so the host never waits for the stream here.
  const std::size_t table_size = 4 * batch + 1;
  table_copied_.synchronize();  // the previous call's table copy has left the pinned buffer
  if (table_host_.size() < table_size)
    table_host_ = cuda::PinnedBuffer<std::int64_t>(std::max<std::size_t>(table_size, 64));
  std::int64_t* host = table_host_.data();
  std::copy(plan.sample_offsets.begin(), plan.sample_offsets.end(), host);
  std::copy(plan.num_samples.begin(), plan.num_samples.end(), host + batch);
  std::copy(plan.frame_offsets.begin(), plan.frame_offsets.end(), host + 2 * batch);
  std::copy(plan.lengths.begin(), plan.lengths.end(), host + 3 * batch + 1);
  ensure_capacity(table_, table_size);
  CALMSPACE_CUDA_CHECK(cudaMemcpyAsync(table_.data(), host, table_size * sizeof(std::int64_t),
                                       cudaMemcpyHostToDevice, stream));
  if (lengths_out && batch > 0)
    CALMSPACE_CUDA_CHECK(cudaMemcpyAsync(lengths_out, host + 3 * batch + 1,
                                         batch * sizeof(std::int64_t), cudaMemcpyHostToDevice,
                                         stream));
  table_copied_.record(stream);

  cuda::ClipTable clips;
  clips.sample_offsets = table_.data();
  clips.num_samples = table_.data() + batch;
  clips.frame_offsets = table_.data() + 2 * batch;
  clips.batch = static_cast<int>(batch);
  const cuda::PaddedOutput padded{out, out_max_frames, feature_dim_};
  cuda::launch_zero_padding(clips, padded, stream);

  const std::int64_t total = plan.total_frames();
  if (total > 0) {
    const std::int64_t rows = cuda::workspace_rows(total, chunk_frames_, fft_batch_);
    if (frames_.size() < static_cast<std::size_t>(rows) * layout_.n_fft) {
      // Zeroed once, so the stale rows past a chunk's last frame that the final FFT execution
      // reads are initialised memory (their spectra are never used).
      frames_ = DeviceBuffer<float>(static_cast<std::size_t>(rows) * layout_.n_fft);
      CALMSPACE_CUDA_CHECK(cudaMemsetAsync(frames_.data(), 0, frames_.bytes(), stream));
    }
    ensure_capacity(spectra_, static_cast<std::size_t>(rows) * bins_);
    for (std::int64_t first = 0; first < total; first += chunk_frames_) {
      const std::int64_t count = std::min(chunk_frames_, total - first);
      cuda::launch_frame_window(samples, clips, framing_, window_.data(), first, count,
                                frames_.data(), stream);
      // Whole fft_batch_ blocks: rows past `count` hold stale frames whose spectra are unused.
      for (std::int64_t r = 0; r < count; r += fft_batch_)
        plan_.forward(frames_.data() + r * layout_.n_fft, spectra_.data() + r * bins_,
                      fft_work_.data(), stream);
      cuda::launch_spectral(spectra_.data(), clips, spectral_, first, count, padded,
                            spectral_shared_, stream);
    }
    if (prosody_.pitch_col >= 0 || prosody_.energy_col >= 0) {
      cuda::launch_prosody(samples, clips, framing_, prosody_, total, padded, prosody_shared_,
                           stream);
      cuda::launch_prosody_normalise(clips, prosody_, padded, stream);
    }
    if (options_.deltas >= 1)
      cuda::launch_deltas(clips, padded, total, 0, base_dim_, base_dim_, options_.delta_window,
                          stream);
    if (options_.deltas >= 2)
      cuda::launch_deltas(clips, padded, total, base_dim_, 2 * base_dim_, base_dim_,
                          options_.delta_window, stream);
    if (options_.cmvn != Cmvn::None)
      cuda::launch_cmvn(clips, padded, options_.cmvn == Cmvn::MeanVar, stream);
  }
  done_.record(stream);
}

void CudaFeatureExtractorImpl::extract_device(const DeviceClips& clips, const DeviceFeatures& out,
                                              void* stream) {
  CALMSPACE_CUDA_CHECK(cudaSetDevice(device_));
  const cuda::RaggedFramePlan plan = cuda::plan_ragged_frames(layout_, clips.sizes, clips.offsets);
  if (out.max_frames < plan.max_frames)
    throw InputError(
        "extract_device: out.max_frames",
        cat(out.max_frames, " is below the longest clip's ", plan.max_frames, " frames"));
  std::int64_t samples_used = 0;
  for (std::int64_t b = 0; b < plan.batch(); ++b)
    samples_used = std::max(samples_used, plan.num_samples[b]);
  if (samples_used > 0) require_device_pointer(clips.samples, "samples");
  if (plan.batch() * out.max_frames * feature_dim_ > 0)
    require_device_pointer(out.data, "out.data");
  if (out.lengths && plan.batch() > 0) require_device_pointer(out.lengths, "out.lengths");
  run(plan, clips.samples, out.data, out.max_frames, out.lengths,
      static_cast<cudaStream_t>(stream));
}

PaddedBatch CudaFeatureExtractorImpl::extract_batch(std::span<const std::span<const float>> clips) {
  CALMSPACE_CUDA_CHECK(cudaSetDevice(device_));
  std::vector<std::int64_t> sizes(clips.size());
  for (std::size_t b = 0; b < clips.size(); ++b)
    sizes[b] = static_cast<std::int64_t>(clips[b].size());
  const cuda::RaggedFramePlan plan = cuda::plan_ragged_frames(layout_, sizes);

  PaddedBatch batch;
  batch.batch = plan.batch();
  batch.max_frames = plan.max_frames;
  batch.dim = feature_dim_;
  batch.lengths = plan.lengths;
  const auto out_count = static_cast<std::size_t>(batch.batch * batch.max_frames * batch.dim);
  if (out_count == 0) return batch;

  // One upload of all clips back to back (the offsets plan_ragged_frames assumed).
  const auto total_samples = static_cast<std::size_t>(plan.sample_offsets.back() + sizes.back());
  const cudaStream_t stream = stream_.get();
  stream_.synchronize();  // copies of an earlier call that threw midway may still read them
  ensure_capacity(pinned_samples_, std::max<std::size_t>(total_samples, 1));
  ensure_capacity(pinned_out_, out_count);
  float* staged = pinned_samples_.data();
  for (std::size_t b = 0; b < clips.size(); ++b)
    std::copy(clips[b].begin(), clips[b].end(),
              staged + static_cast<std::size_t>(plan.sample_offsets[b]));
  ensure_capacity(host_samples_, std::max<std::size_t>(total_samples, 1));
  ensure_capacity(host_out_, out_count);
  if (total_samples > 0)
    CALMSPACE_CUDA_CHECK(cudaMemcpyAsync(host_samples_.data(), staged,
                                         total_samples * sizeof(float), cudaMemcpyHostToDevice,
                                         stream));
  run(plan, host_samples_.data(), host_out_.data(), batch.max_frames, nullptr, stream);
  CALMSPACE_CUDA_CHECK(cudaMemcpyAsync(pinned_out_.data(), host_out_.data(),
                                       out_count * sizeof(float), cudaMemcpyDeviceToHost, stream));
  stream_.synchronize();
  batch.data.assign(pinned_out_.data(), pinned_out_.data() + out_count);
  return batch;
}

}  // namespace

std::unique_ptr<CudaFeatureExtractor> CudaFeatureExtractor::create(const FeatureOptions& options,
                                                                   int sample_rate, int device) {
  return std::make_unique<CudaFeatureExtractorImpl>(options, sample_rate, device);
}

std::unique_ptr<FeatureExtractor> make_cuda_feature_extractor(const FeatureOptions& options,
                                                              int sample_rate, int device) {
  return CudaFeatureExtractor::create(options, sample_rate, device);
}

}  // namespace calmspace
