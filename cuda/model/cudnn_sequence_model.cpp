// CudnnSequenceModel (see cudnn_sequence_model.h).
#include "cuda/model/cudnn_sequence_model.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "core/base/error.h"
#include "core/model/init.h"

namespace calmspace::cuda {
namespace {

cudnnRNNMode_t rnn_mode(CellKind cell) {
  switch (cell) {
    case CellKind::RnnTanh:
      return CUDNN_RNN_TANH;
    case CellKind::RnnRelu:
      return CUDNN_RNN_RELU;
    case CellKind::Lstm:
      return CUDNN_LSTM;
    case CellKind::Gru:
      return CUDNN_GRU;
  }
  return CUDNN_LSTM;
}

// cuDNN math of each precision (backend.h). fp32 forbids tensor cores (CUDNN_FMA_MATH), as
// PyTorch does for float RNNs with allow_tf32 off.
cudnnMathType_t rnn_math(Precision p) {
  switch (p) {
    case Precision::Fp32:
      return CUDNN_FMA_MATH;
    case Precision::Tf32:
      return CUDNN_DEFAULT_MATH;
    case Precision::Fp16:
    case Precision::Bf16:
      return CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION;
  }
  return CUDNN_FMA_MATH;
}

cublasMath_t blas_math(Precision p) {
  return p == Precision::Fp32 ? CUBLAS_DEFAULT_MATH : CUBLAS_TF32_TENSOR_OP_MATH;
}

// C (M,N) = op(A) op(B) + beta C, all row-major; op(A) is (M,K). cuBLAS is column-major, so it
// computes C^T = op(B)^T op(A)^T.
void gemm(cublasHandle_t h, bool ta, bool tb, int M, int N, int K, const float* A, int lda,
          const float* B, int ldb, float beta, float* C, int ldc) {
  if (M == 0 || N == 0) return;
  const float one = 1.0f;
  CALMSPACE_CUBLAS_CHECK(cublasSgemm(h, tb ? CUBLAS_OP_T : CUBLAS_OP_N,
                                     ta ? CUBLAS_OP_T : CUBLAS_OP_N, N, M, K, &one, B, ldb, A, lda,
                                     &beta, C, ldc));
}

std::int64_t descriptor_elements(cudnnTensorDescriptor_t desc) {
  cudnnDataType_t type;
  int nb = 0, dims[8] = {}, strides[8] = {};
  CALMSPACE_CUDNN_CHECK(cudnnGetTensorNdDescriptor(desc, 8, &type, &nb, dims, strides));
  std::int64_t n = 1;
  for (int i = 0; i < nb; ++i) n *= dims[i];
  return n;
}

// Copies host values into `buffer` in stream order and waits: DeviceBuffer::copy_from_host runs
// on the legacy stream, which does not order with our non-blocking stream.
template <class T>
void upload(DeviceBuffer<T>& buffer, const T* host, std::size_t count, cudaStream_t stream) {
  CALMSPACE_CHECK(count <= buffer.size(), "upload of ", count, " into ", buffer.size());
  CALMSPACE_CUDA_CHECK(
      cudaMemcpyAsync(buffer.data(), host, count * sizeof(T), cudaMemcpyHostToDevice, stream));
  CALMSPACE_CUDA_CHECK(cudaStreamSynchronize(stream));
}

// Grows `buffer` to `count` elements, waiting first for queued work that may still use it.
template <class T>
void grow(DeviceBuffer<T>& buffer, std::size_t count, cudaStream_t stream) {
  if (buffer.size() >= count) return;
  CALMSPACE_CUDA_CHECK(cudaStreamSynchronize(stream));
  buffer = DeviceBuffer<T>(count);
}

}  // namespace

CudnnSequenceModel::CudnnSequenceModel(const ModelOptions& options, int input_dim, int num_classes,
                                       std::uint64_t seed, int device, Precision precision)
    : options_(options),
      F_(input_dim),
      C_(num_classes),
      H_(options.hidden_size),
      G_(gate_count(options.cell)),
      D_(options.output_dim()),
      A_(options.attention_dim),
      device_(device),
      precision_(precision),
      index_(make_param_index(options, input_dim, num_classes)),
      select_device_(device) {
  if (precision == Precision::Bf16)
    throw InputError("train.precision",
                     "bf16 is not implemented by the cuDNN backend (use fp32, tf32 or fp16)");
  if (const std::string why = options.cuda_unsupported_reason(); !why.empty())
    throw InputError("train.device", why + "; use train.device=cpu");
  layout_ = parameter_layout(options, input_dim, num_classes);
  const auto n = static_cast<std::size_t>(index_.total);
  w_host_.assign(n, 0.0f);
  g_host_.assign(n, 0.0f);
  init_parameters(options, input_dim, num_classes, seed, w_host_);  // the CPU backend's bits
  mean_.assign(static_cast<std::size_t>(F_), 0.0f);
  std_.assign(static_cast<std::size_t>(F_), 1.0f);

  CALMSPACE_CUDNN_CHECK(cudnnSetStream(cudnn_, stream_));
  CALMSPACE_CUBLAS_CHECK(cublasSetStream(cublas_, stream_));
  CALMSPACE_CUBLAS_CHECK(cublasSetMathMode(cublas_, blas_math(precision)));
  w_ = DeviceBuffer<float>(n);
  g_ = DeviceBuffer<float>(n);
  CALMSPACE_CUDA_CHECK(cudaMemsetAsync(g_.data(), 0, g_.bytes(), stream_));
  mean_dev_ = DeviceBuffer<float>(static_cast<std::size_t>(F_));
  inv_std_dev_ = DeviceBuffer<float>(static_cast<std::size_t>(F_));
  upload(mean_dev_, mean_.data(), mean_.size(), stream_);  // mean 0, 1/std 1
  upload(inv_std_dev_, std_.data(), std_.size(), stream_);
  build_rnn_descriptor(seed);
  map_weight_space();
  weights_state_ = Fresh::HostNewer;
  CALMSPACE_CUDA_CHECK(cudaStreamSynchronize(stream_));
}

void CudnnSequenceModel::build_rnn_descriptor(std::uint64_t seed) {
  std::size_t state_bytes = 0;
  CALMSPACE_CUDNN_CHECK(cudnnDropoutGetStatesSize(cudnn_, &state_bytes));
  dropout_states_ = DeviceBuffer<unsigned char>(state_bytes);
  CALMSPACE_CUDNN_CHECK(cudnnSetDropoutDescriptor(dropout_desc_, cudnn_,
                                                  static_cast<float>(options_.dropout),
                                                  dropout_states_.data(), state_bytes, seed));
  const cudnnStatus_t status = cudnnSetRNNDescriptor_v8(
      rnn_desc_, CUDNN_RNN_ALGO_STANDARD, rnn_mode(options_.cell), CUDNN_RNN_DOUBLE_BIAS,
      options_.bidirectional ? CUDNN_BIDIRECTIONAL : CUDNN_UNIDIRECTIONAL, CUDNN_LINEAR_INPUT,
      CUDNN_DATA_FLOAT, CUDNN_DATA_FLOAT, rnn_math(precision_), F_, H_, H_, options_.num_layers,
      dropout_desc_, CUDNN_RNN_PADDED_IO_ENABLED);
  if (status != CUDNN_STATUS_SUCCESS && precision_ != Precision::Fp32)
    throw InputError("train.precision",
                     cat(enum_name(precision_table(), precision_),
                         " is not supported for this model by cudnnSetRNNDescriptor_v8: ",
                         cudnnGetErrorString(status)));
  if (status != CUDNN_STATUS_SUCCESS)
    detail::throw_cudnn(status, "cudnnSetRNNDescriptor_v8", __FILE__, __LINE__);
}

// Segment tables between the flat layout and cuDNN's weight space. linLayerID per cell (cuDNN):
// 0..G-1 input matrices W and biases b_W of gates in order (LSTM i,f,g,o; GRU r,z,n; RNN one),
// G..2G-1 the recurrent R / b_R; pseudo-layer = layer * directions + direction.
void CudnnSequenceModel::map_weight_space() {
  CALMSPACE_CUDNN_CHECK(cudnnGetRNNWeightSpaceSize(cudnn_, rnn_desc_, &weight_space_bytes_));
  const std::size_t floats = (weight_space_bytes_ + sizeof(float) - 1) / sizeof(float);
  weight_space_ = DeviceBuffer<float>(floats);
  dweight_space_ = DeviceBuffer<float>(floats);
  CALMSPACE_CUDA_CHECK(cudaMemsetAsync(weight_space_.data(), 0, weight_space_.bytes(), stream_));
  CALMSPACE_CUDA_CHECK(cudaMemsetAsync(dweight_space_.data(), 0, dweight_space_.bytes(), stream_));
  const auto* base = reinterpret_cast<const unsigned char*>(weight_space_.data());
  auto offset_of = [&](void* address, std::int64_t count, const char* what) {
    const auto* p = static_cast<const unsigned char*>(address);
    CALMSPACE_CHECK(p != nullptr, "cudnnGetRNNWeightParams gave no address for ", what);
    const std::ptrdiff_t bytes = p - base;
    CALMSPACE_CHECK(
        bytes >= 0 && bytes % static_cast<std::ptrdiff_t>(sizeof(float)) == 0 &&
            static_cast<std::size_t>(bytes) + count * sizeof(float) <= weight_space_bytes_,
        "cudnnGetRNNWeightParams: ", what, " lies outside the weight space");
    return static_cast<std::int64_t>(bytes / static_cast<std::ptrdiff_t>(sizeof(float)));
  };
  std::vector<kernels::Segment> pack, unpack;
  std::int64_t covered = 0;
  const int dirs = options_.directions();
  TensorDescriptor m_desc, b_desc;
  for (int layer = 0; layer < options_.num_layers; ++layer)
    for (int dir = 0; dir < dirs; ++dir) {
      const RnnParamOffsets& p = index_.at(layer, dir, dirs);
      for (int id = 0; id < 2 * G_; ++id) {
        void* m_addr = nullptr;
        void* b_addr = nullptr;
        CALMSPACE_CUDNN_CHECK(cudnnGetRNNWeightParams(cudnn_, rnn_desc_, layer * dirs + dir,
                                                      weight_space_bytes_, weight_space_.data(), id,
                                                      m_desc, &m_addr, b_desc, &b_addr));
        const bool recurrent = id >= G_;
        const int gate = id % G_;
        const std::int64_t cols = recurrent ? H_ : p.input;
        const std::int64_t m_count = std::int64_t(H_) * cols;
        const std::int64_t m_flat = (recurrent ? p.w_hh : p.w_ih) + gate * m_count;
        const std::int64_t b_flat = (recurrent ? p.b_hh : p.b_ih) + gate * std::int64_t(H_);
        const std::string what = cat("layer ", layer, " direction ", dir, " linLayerID ", id);
        CALMSPACE_CHECK(descriptor_elements(m_desc) == m_count, "cuDNN matrix of ", what, " has ",
                        descriptor_elements(m_desc), " elements, expected ", m_count);
        CALMSPACE_CHECK(descriptor_elements(b_desc) == H_, "cuDNN bias of ", what, " has ",
                        descriptor_elements(b_desc), " elements, expected ", H_);
        const std::int64_t m_ws = offset_of(m_addr, m_count, what.c_str());
        const std::int64_t b_ws = offset_of(b_addr, H_, what.c_str());
        pack.push_back({m_flat, m_ws, m_count});
        pack.push_back({b_flat, b_ws, H_});
        unpack.push_back({m_ws, m_flat, m_count});
        unpack.push_back({b_ws, b_flat, H_});
        covered += m_count + H_;
      }
    }
  // The recurrent tensors are the start of the flat layout, up to attention or the head.
  const std::int64_t rnn_total = index_.att_w >= 0 ? index_.att_w : index_.head_w;
  CALMSPACE_CHECK(covered == rnn_total, "cuDNN weight params cover ", covered,
                  " values, the recurrent layout holds ", rnn_total);
  segment_count_ = static_cast<int>(pack.size());
  pack_segments_ = DeviceBuffer<kernels::Segment>(pack.size());
  unpack_segments_ = DeviceBuffer<kernels::Segment>(unpack.size());
  upload(pack_segments_, pack.data(), pack.size(), stream_);
  upload(unpack_segments_, unpack.data(), unpack.size(), stream_);
}

std::span<float> CudnnSequenceModel::weights() {
  if (weights_state_ == Fresh::DeviceNewer) {
    CALMSPACE_CUDA_CHECK(
        cudaMemcpyAsync(w_host_.data(), w_.data(), w_.bytes(), cudaMemcpyDeviceToHost, stream_));
    CALMSPACE_CUDA_CHECK(cudaStreamSynchronize(stream_));
  }
  weights_state_ = Fresh::HostNewer;
  return w_host_;
}

std::span<float> CudnnSequenceModel::gradients() {
  if (grads_state_ == Fresh::DeviceNewer) {
    CALMSPACE_CUDA_CHECK(
        cudaMemcpyAsync(g_host_.data(), g_.data(), g_.bytes(), cudaMemcpyDeviceToHost, stream_));
    CALMSPACE_CUDA_CHECK(cudaStreamSynchronize(stream_));
  }
  grads_state_ = Fresh::HostNewer;
  return g_host_;
}

float* CudnnSequenceModel::device_weights() {
  if (weights_state_ == Fresh::HostNewer) {
    // Pageable source: the copy is complete (staged) when the call returns.
    CALMSPACE_CUDA_CHECK(
        cudaMemcpyAsync(w_.data(), w_host_.data(), w_.bytes(), cudaMemcpyHostToDevice, stream_));
    CALMSPACE_CUDA_CHECK(cudaStreamSynchronize(stream_));
    weights_state_ = Fresh::Synced;
  }
  return w_.data();
}

float* CudnnSequenceModel::device_gradients() {
  if (grads_state_ == Fresh::HostNewer) {
    CALMSPACE_CUDA_CHECK(
        cudaMemcpyAsync(g_.data(), g_host_.data(), g_.bytes(), cudaMemcpyHostToDevice, stream_));
    CALMSPACE_CUDA_CHECK(cudaStreamSynchronize(stream_));
    grads_state_ = Fresh::Synced;
  }
  return g_.data();
}

void CudnnSequenceModel::zero_gradients() {
  std::fill(g_host_.begin(), g_host_.end(), 0.0f);
  CALMSPACE_CUDA_CHECK(cudaMemsetAsync(g_.data(), 0, g_.bytes(), stream_));
  grads_state_ = Fresh::Synced;
}

void CudnnSequenceModel::zero_device_gradients() {
  CALMSPACE_CUDA_CHECK(cudaMemsetAsync(g_.data(), 0, g_.bytes(), stream_));
  grads_state_ = Fresh::DeviceNewer;  // the host copy is refreshed when read
}

void CudnnSequenceModel::set_input_norm(std::span<const float> mean, std::span<const float> std) {
  CALMSPACE_CHECK(static_cast<int>(mean.size()) == F_ && static_cast<int>(std.size()) == F_,
                  "input norm sizes ", mean.size(), ", ", std.size(), " != ", F_);
  for (float s : std) CALMSPACE_CHECK(s > 0 && std::isfinite(s), "input std ", s);
  mean_.assign(mean.begin(), mean.end());
  std_.assign(std.begin(), std.end());
  std::vector<float> inv(std_.size());
  for (std::size_t f = 0; f < inv.size(); ++f) inv[f] = 1.0f / std_[f];  // as the CPU backend
  CALMSPACE_CUDA_CHECK(cudaStreamSynchronize(stream_));  // no queued kernel still reads them
  upload(mean_dev_, mean_.data(), mean_.size(), stream_);
  upload(inv_std_dev_, inv.data(), inv.size(), stream_);
}

void CudnnSequenceModel::upload_batch(const PaddedBatch& x, const std::vector<int>* labels) {
  CALMSPACE_CHECK(x.dim == F_, "input dim ", x.dim, " != ", F_);
  CALMSPACE_CHECK(static_cast<std::int64_t>(x.lengths.size()) == x.batch, "lengths size");
  CALMSPACE_CHECK(static_cast<std::int64_t>(x.data.size()) == x.batch * x.max_frames * x.dim,
                  "data size");
  CALMSPACE_CHECK(x.batch >= 1, "empty batch");
  CALMSPACE_CHECK(x.max_frames <= (1 << 30) && x.batch <= (1 << 30), "batch too large for cuDNN");
  for (auto len : x.lengths) CALMSPACE_CHECK(len >= 1 && len <= x.max_frames, "clip length ", len);
  if (labels) CALMSPACE_CHECK(static_cast<std::int64_t>(labels->size()) == x.batch, "labels size");
  B_ = x.batch;
  T_ = x.max_frames;
  lengths_host_.assign(x.lengths.begin(), x.lengths.end());
  grow_buffers();

  // Double-buffered pinned staging: wait only for the copy that last used this slot.
  const int slot = stage_slot_;
  stage_slot_ ^= 1;
  CALMSPACE_CUDA_CHECK(cudaEventSynchronize(staged_done_[slot]));
  const std::size_t nx = x.data.size(), nb = static_cast<std::size_t>(B_);
  if (staged_x_[slot].size() < nx) staged_x_[slot] = PinnedBuffer<float>(nx);
  if (staged_ints_[slot].size() < 2 * nb) staged_ints_[slot] = PinnedBuffer<int>(2 * nb);
  std::memcpy(staged_x_[slot].data(), x.data.data(), nx * sizeof(float));
  int* ints = staged_ints_[slot].data();
  std::copy(lengths_host_.begin(), lengths_host_.end(), ints);
  if (labels) std::copy(labels->begin(), labels->end(), ints + nb);
  CALMSPACE_CUDA_CHECK(cudaMemcpyAsync(raw_x_.data(), staged_x_[slot].data(), nx * sizeof(float),
                                       cudaMemcpyHostToDevice, stream_));
  CALMSPACE_CUDA_CHECK(
      cudaMemcpyAsync(lengths_.data(), ints, nb * sizeof(int), cudaMemcpyHostToDevice, stream_));
  if (labels)
    CALMSPACE_CUDA_CHECK(cudaMemcpyAsync(labels_.data(), ints + nb, nb * sizeof(int),
                                         cudaMemcpyHostToDevice, stream_));
  CALMSPACE_CUDA_CHECK(cudaEventRecord(staged_done_[slot], stream_));
  trained_forward_ = false;
}

void CudnnSequenceModel::grow_buffers() {
  const auto B = static_cast<std::size_t>(B_), T = static_cast<std::size_t>(T_);
  const std::size_t BT = B * T;
  grow(raw_x_, BT * F_, stream_);
  grow(x_, BT * F_, stream_);
  grow(dx_, BT * F_, stream_);
  grow(y_, BT * D_, stream_);
  grow(dy_, BT * D_, stream_);
  grow(lengths_, B, stream_);
  grow(labels_, B, stream_);
  grow(pooled_, B * D_, stream_);
  grow(dpooled_, B * D_, stream_);
  grow(logits_, B * C_, stream_);
  grow(dlogits_, B * C_, stream_);
  if (options_.pooling == PoolingKind::Max) grow(argmax_, B * D_, stream_);
  if (options_.pooling == PoolingKind::Attention) {
    grow(att_z_, BT * A_, stream_);
    grow(att_u_, BT * A_, stream_);
    grow(att_da_, BT * A_, stream_);
    grow(att_e_, BT, stream_);
    grow(att_alpha_, BT, stream_);
    grow(att_dalpha_, BT, stream_);
    grow(att_de_, BT, stream_);
    if (ones_.size() < BT) {
      grow(ones_, BT, stream_);
      const std::vector<float> ones(ones_.size(), 1.0f);
      upload(ones_, ones.data(), ones.size(), stream_);
    }
  }
}

void CudnnSequenceModel::set_data_descriptors() {
  float fill = 0.0f;  // written into the padded frames of the outputs
  const int B = static_cast<int>(B_), T = static_cast<int>(T_);
  CALMSPACE_CUDNN_CHECK(cudnnSetRNNDataDescriptor(x_desc_, CUDNN_DATA_FLOAT,
                                                  CUDNN_RNN_DATA_LAYOUT_BATCH_MAJOR_UNPACKED, T, B,
                                                  F_, lengths_host_.data(), &fill));
  CALMSPACE_CUDNN_CHECK(cudnnSetRNNDataDescriptor(y_desc_, CUDNN_DATA_FLOAT,
                                                  CUDNN_RNN_DATA_LAYOUT_BATCH_MAJOR_UNPACKED, T, B,
                                                  D_, lengths_host_.data(), &fill));
  const int dims[3] = {options_.num_layers * options_.directions(), B, H_};
  const int strides[3] = {B * H_, H_, 1};
  CALMSPACE_CUDNN_CHECK(cudnnSetTensorNdDescriptor(h_desc_, CUDNN_DATA_FLOAT, 3, dims, strides));
}

void CudnnSequenceModel::forward_device(bool training) {
  CALMSPACE_CHECK(B_ > 0, "forward without a batch");
  const float* w = device_weights();
  kernels::copy_segments(w, weight_space_.data(), pack_segments_.data(), segment_count_, false,
                         stream_);
  const int B = static_cast<int>(B_), T = static_cast<int>(T_);
  kernels::normalise_input(raw_x_.data(), lengths_.data(), mean_dev_.data(), inv_std_dev_.data(),
                           options_.input_norm, B, T, F_, x_.data(), stream_);
  set_data_descriptors();
  const cudnnForwardMode_t mode = training ? CUDNN_FWD_MODE_TRAINING : CUDNN_FWD_MODE_INFERENCE;
  std::size_t work = 0, reserve = 0;
  CALMSPACE_CUDNN_CHECK(
      cudnnGetRNNTempSpaceSizes(cudnn_, rnn_desc_, mode, x_desc_, &work, &reserve));
  grow(workspace_, (work + 3) / 4, stream_);
  if (training) grow(reserve_, (reserve + 3) / 4, stream_);
  workspace_bytes_ = work;
  reserve_bytes_ = training ? reserve : 0;
  const cudnnStatus_t status = cudnnRNNForward(
      cudnn_, rnn_desc_, mode, lengths_.data(), x_desc_, x_.data(), y_desc_, y_.data(), h_desc_,
      nullptr, nullptr, h_desc_, nullptr, nullptr, weight_space_bytes_, weight_space_.data(),
      workspace_bytes_, work > 0 ? workspace_.data() : nullptr, reserve_bytes_,
      reserve_bytes_ > 0 ? reserve_.data() : nullptr);
  if (status == CUDNN_STATUS_NOT_SUPPORTED && precision_ != Precision::Fp32)
    throw InputError("train.precision", cat(enum_name(precision_table(), precision_),
                                            " is not supported for this model by cudnnRNNForward: ",
                                            cudnnGetErrorString(status)));
  if (status != CUDNN_STATUS_SUCCESS)
    detail::throw_cudnn(status, "cudnnRNNForward", __FILE__, __LINE__);
  pool_forward();
  kernels::head_forward(pooled_.data(), w + index_.head_w, w + index_.head_b, B, D_, C_,
                        logits_.data(), stream_);
  trained_forward_ = training;
}

void CudnnSequenceModel::pool_forward() {
  const int B = static_cast<int>(B_), T = static_cast<int>(T_);
  const float* Y = y_.data();
  switch (options_.pooling) {
    case PoolingKind::Mean:
      kernels::pool_mean_forward(Y, lengths_.data(), B, T, D_, pooled_.data(), stream_);
      break;
    case PoolingKind::Max:
      kernels::pool_max_forward(Y, lengths_.data(), B, T, D_, pooled_.data(), argmax_.data(),
                                stream_);
      break;
    case PoolingKind::Last:
      kernels::pool_last_forward(Y, lengths_.data(), B, T, D_, H_, pooled_.data(), stream_);
      break;
    case PoolingKind::Attention: {
      const float* w = w_.data();
      // Z (BT, A) = Y (BT, D) W^T, W (A, D)
      gemm(cublas_, false, true, B * T, A_, D_, Y, D_, w + index_.att_w, D_, 0.0f, att_z_.data(),
           A_);
      kernels::attention_scores(att_z_.data(), w + index_.att_b, w + index_.att_v, lengths_.data(),
                                B, T, A_, att_u_.data(), att_e_.data(), stream_);
      kernels::attention_softmax(att_e_.data(), lengths_.data(), B, T, att_alpha_.data(), stream_);
      kernels::attention_weighted_sum(Y, att_alpha_.data(), lengths_.data(), B, T, D_,
                                      pooled_.data(), stream_);
      break;
    }
  }
}

void CudnnSequenceModel::pool_backward() {
  const int B = static_cast<int>(B_), T = static_cast<int>(T_);
  const float* dP = dpooled_.data();
  float* dY = dy_.data();
  switch (options_.pooling) {
    case PoolingKind::Mean:
      kernels::pool_mean_backward(dP, lengths_.data(), B, T, D_, dY, stream_);
      break;
    case PoolingKind::Max:
      kernels::pool_max_backward(dP, argmax_.data(), B, T, D_, dY, stream_);
      break;
    case PoolingKind::Last:
      kernels::pool_last_backward(dP, lengths_.data(), B, T, D_, H_, dY, stream_);
      break;
    case PoolingKind::Attention: {
      const float* w = w_.data();
      float* g = g_.data();
      kernels::attention_backward(y_.data(), att_u_.data(), att_alpha_.data(), w + index_.att_v, dP,
                                  lengths_.data(), B, T, D_, A_, att_dalpha_.data(), att_de_.data(),
                                  att_da_.data(), dY, stream_);
      const int BT = B * T;
      // dv (A) += u^T (A, BT) de (BT);  db (A) += da^T 1;  dW (A, D) += da^T Y;  dY += da W
      gemm(cublas_, true, false, A_, 1, BT, att_u_.data(), A_, att_de_.data(), 1, 1.0f,
           g + index_.att_v, 1);
      gemm(cublas_, true, false, A_, 1, BT, att_da_.data(), A_, ones_.data(), 1, 1.0f,
           g + index_.att_b, 1);
      gemm(cublas_, true, false, A_, D_, BT, att_da_.data(), A_, y_.data(), D_, 1.0f,
           g + index_.att_w, D_);
      gemm(cublas_, false, false, BT, D_, A_, att_da_.data(), A_, w + index_.att_w, D_, 1.0f, dY,
           D_);
      break;
    }
  }
}

void CudnnSequenceModel::backward_device(const float* dlogits) {
  // cudnnRNNBackwardData_v8 overwrites the forward's reserve space with its own intermediates
  // (measured on an H100: a second backward after one forward gave gradients off by 10^3), so
  // every backward needs a training forward of its own.
  CALMSPACE_CHECK(trained_forward_,
                  "backward needs a training forward of its own (one backward per forward)");
  trained_forward_ = false;
  const float* w = w_.data();  // unchanged since forward_device
  float* g = device_gradients();
  const int B = static_cast<int>(B_);
  kernels::head_backward(pooled_.data(), w + index_.head_w, dlogits, B, D_, C_, g + index_.head_w,
                         g + index_.head_b, dpooled_.data(), stream_);
  pool_backward();
  CALMSPACE_CUDA_CHECK(cudaMemsetAsync(dweight_space_.data(), 0, dweight_space_.bytes(), stream_));
  CALMSPACE_CUDNN_CHECK(cudnnRNNBackwardData_v8(
      cudnn_, rnn_desc_, lengths_.data(), y_desc_, y_.data(), dy_.data(), x_desc_, dx_.data(),
      h_desc_, nullptr, nullptr, nullptr, h_desc_, nullptr, nullptr, nullptr, weight_space_bytes_,
      weight_space_.data(), workspace_bytes_, workspace_bytes_ > 0 ? workspace_.data() : nullptr,
      reserve_bytes_, reserve_.data()));
  CALMSPACE_CUDNN_CHECK(cudnnRNNBackwardWeights_v8(
      cudnn_, rnn_desc_, CUDNN_WGRAD_MODE_ADD, lengths_.data(), x_desc_, x_.data(), h_desc_,
      nullptr, y_desc_, y_.data(), weight_space_bytes_, dweight_space_.data(), workspace_bytes_,
      workspace_bytes_ > 0 ? workspace_.data() : nullptr, reserve_bytes_, reserve_.data()));
  kernels::copy_segments(dweight_space_.data(), g, unpack_segments_.data(), segment_count_, true,
                         stream_);
  grads_state_ = Fresh::DeviceNewer;
}

void CudnnSequenceModel::forward(const PaddedBatch& x, std::vector<float>& logits, bool training,
                                 std::uint64_t /*dropout_seed: cuDNN draws its own masks*/) {
  upload_batch(x, nullptr);
  forward_device(training);
  const std::size_t n = static_cast<std::size_t>(B_ * C_);
  if (logits_host_.size() < n) logits_host_ = PinnedBuffer<float>(n);
  CALMSPACE_CUDA_CHECK(cudaMemcpyAsync(logits_host_.data(), logits_.data(), n * sizeof(float),
                                       cudaMemcpyDeviceToHost, stream_));
  CALMSPACE_CUDA_CHECK(cudaStreamSynchronize(stream_));
  logits.assign(logits_host_.data(), logits_host_.data() + n);
}

void CudnnSequenceModel::backward(std::span<const float> dlogits) {
  CALMSPACE_CHECK(static_cast<std::int64_t>(dlogits.size()) == B_ * C_, "dlogits size ",
                  dlogits.size(), " != ", B_ * C_);
  CALMSPACE_CUDA_CHECK(cudaMemcpyAsync(dlogits_.data(), dlogits.data(), dlogits.size_bytes(),
                                       cudaMemcpyHostToDevice, stream_));
  backward_device(dlogits_.data());
  CALMSPACE_CUDA_CHECK(cudaStreamSynchronize(stream_));  // dlogits' host memory may go away
}

}  // namespace calmspace::cuda
