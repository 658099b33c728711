// The cuDNN backend of SequenceModel (core/model/sequence_model.h), FP32 tensors throughout:
//   raw (B,T,F) -> input normalisation kernel -> cudnnRNNForward (batch-major padded layout with
//   per-clip lengths: CUDNN_RNN_DATA_LAYOUT_BATCH_MAJOR_UNPACKED, CUDNN_RNN_PADDED_IO_ENABLED,
//   padding filled with 0) -> masked pooling kernels (+ cuBLAS for attention) -> head kernel.
//   Backward: head / pooling kernels -> cudnnRNNBackwardData_v8 -> cudnnRNNBackwardWeights_v8
//   (CUDNN_WGRAD_MODE_ADD into a zeroed gradient weight space) -> added to the flat gradients.
// Parameters: the device holds the flat buffer in THE layout (PyTorch names and order); before
// every forward it is scattered into cuDNN's weight space with one copy kernel whose segment
// table (one per gate matrix and bias) comes from cudnnGetRNNWeightParams, and gradient weight
// space is gathered back the same way. So weights/gradients/optimizer state are identical in
// layout on both backends and checkpoints move freely between them.
// Host mirrors (weights(), gradients()): calling either downloads the device copy if it is newer
// and marks the host copy as the newer one; the next device use uploads it. So: write through the
// span right after getting it, and call weights() again after any device work.
// Dropout: cuDNN draws its own masks (Philox state seeded with the model seed at construction);
// `dropout_seed` is ignored, so with dropout > 0 the masks differ from the CPU backend's.
#pragma once

#include <cstdint>
#include <vector>

#include "core/model/backend.h"
#include "core/model/param_index.h"
#include "core/model/sequence_model.h"
#include "cuda/common/device_buffer.h"
#include "cuda/common/handles.h"
#include "cuda/model/head_loss_kernels.h"
#include "cuda/model/layout_kernels.h"
#include "cuda/model/optimizer_kernels.h"
#include "cuda/model/pooling_kernels.h"

namespace calmspace::cuda {

class CudnnSequenceModel final : public SequenceModel {
 public:
  CudnnSequenceModel(const ModelOptions& options, int input_dim, int num_classes,
                     std::uint64_t seed, int device, Precision precision);

  // SequenceModel
  const ModelOptions& options() const override { return options_; }
  int input_dim() const override { return F_; }
  int num_classes() const override { return C_; }
  std::string backend_name() const override { return "cudnn"; }
  std::span<float> weights() override;
  std::span<float> gradients() override;
  void zero_gradients() override;
  void set_input_norm(std::span<const float> mean, std::span<const float> std) override;
  std::span<const float> input_mean() const override { return mean_; }
  std::span<const float> input_std() const override { return std_; }
  void forward(const PaddedBatch& x, std::vector<float>& logits, bool training,
               std::uint64_t dropout_seed) override;
  void backward(std::span<const float> dlogits) override;

  // Device-side API (CudnnTrainingStep). All work is queued on stream(); nothing waits.
  cudaStream_t stream() const { return stream_; }
  void* device_stream() const override { return stream_; }
  int device() const { return device_; }
  // Stages x (and labels, if given) through pinned memory into device buffers.
  void upload_batch(const PaddedBatch& x, const std::vector<int>* labels);
  void forward_device(bool training);
  void backward_device(const float* dlogits);  // dlogits (B, C) on the device
  const float* device_logits() const { return logits_.data(); }
  const int* device_labels() const { return labels_.data(); }
  std::int64_t batch_size() const { return B_; }
  float* device_weights();    // current device parameters (uploads a newer host copy first)
  float* device_gradients();  // likewise for gradients
  void device_weights_changed() { weights_state_ = Fresh::DeviceNewer; }
  void device_gradients_changed() { grads_state_ = Fresh::DeviceNewer; }
  void zero_device_gradients();

 private:
  enum class Fresh { Synced, HostNewer, DeviceNewer };
  void build_rnn_descriptor(std::uint64_t seed);
  void map_weight_space();
  void set_data_descriptors();
  void grow_buffers();
  void pool_forward();
  void pool_backward();

  ModelOptions options_;
  int F_, C_, H_, G_, D_, A_;
  int device_;
  Precision precision_;
  ModelParamIndex index_;

  // Makes device_ current before any handle below is created.
  struct SelectDevice {
    explicit SelectDevice(int device) { CALMSPACE_CUDA_CHECK(cudaSetDevice(device)); }
  } select_device_;
  // Declaration order = destruction in reverse: descriptors before the handle that made them.
  Stream stream_;
  CudnnHandle cudnn_;
  CublasHandle cublas_;
  DropoutDescriptor dropout_desc_;
  DeviceBuffer<unsigned char> dropout_states_;
  RnnDescriptor rnn_desc_;
  RnnDataDescriptor x_desc_, y_desc_;
  TensorDescriptor h_desc_;

  // Parameters: host mirrors, flat device buffers, cuDNN weight spaces and the maps between them.
  std::vector<float> w_host_, g_host_, mean_, std_;
  Fresh weights_state_ = Fresh::HostNewer, grads_state_ = Fresh::Synced;
  DeviceBuffer<float> w_, g_, mean_dev_, inv_std_dev_;
  std::size_t weight_space_bytes_ = 0;
  DeviceBuffer<float> weight_space_, dweight_space_;
  DeviceBuffer<kernels::Segment> pack_segments_, unpack_segments_;
  int segment_count_ = 0;

  // The current batch.
  std::int64_t B_ = 0, T_ = 0;
  bool trained_forward_ = false;
  std::vector<int> lengths_host_;
  PinnedBuffer<float> staged_x_[2];
  PinnedBuffer<int> staged_ints_[2];  // lengths (B) then labels (B)
  Event staged_done_[2];
  int stage_slot_ = 0;
  DeviceBuffer<float> raw_x_, x_, dx_, y_, dy_, workspace_, reserve_;
  DeviceBuffer<int> lengths_, labels_, argmax_;
  DeviceBuffer<float> pooled_, dpooled_, logits_, dlogits_;
  DeviceBuffer<float> att_z_, att_u_, att_e_, att_alpha_, att_dalpha_, att_de_, att_da_, ones_;
  std::size_t workspace_bytes_ = 0, reserve_bytes_ = 0;
  PinnedBuffer<float> logits_host_;
};

}  // namespace calmspace::cuda
