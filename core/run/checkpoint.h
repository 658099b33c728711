// Checkpoints (HDF5, readable from h5py), schema version kCheckpointSchemaVersion:
//   /                      attrs format = "calmspace-checkpoint", schema_version (int32)
//   /config                string: the resolved config YAML (model, features, audio, train, ...)
//   /labels                string (C,): label names, id = index
//   /layout/names          string (P,): parameter names in flat-buffer order
//   /weights/<name>        float32 with the parameter's shape, e.g. /weights/rnn.weight_ih_l0
//                          (PyTorch names; h5py: f["weights"]["head.weight"][()])
//   /input_norm/mean, std  float32 (F,)
//   /state                 group: attrs epoch, global_step, best_epoch,
//                          epochs_without_improvement, optimizer_step (int64), best_valid_ua,
//                          lr, plateau_lr (float64); metrics_history (string dataset: JSON text);
//                          optimizer_m, optimizer_v (float32, flat, weights' size or empty)
// Written to a temporary file in the same folder, closed, fsync'ed and renamed (AtomicFile): a
// kill -9 at any moment leaves either the previous file or the new one, never a torn one.
// Plain data: no SequenceModel needed to save or load.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/config/config.h"
#include "core/model/sequence_model.h"

namespace calmspace {

inline constexpr const char* kCheckpointFormat = "calmspace-checkpoint";
inline constexpr int kCheckpointSchemaVersion = 1;

// What a resumed run needs beyond the weights.
struct TrainingState {
  std::int64_t epoch = 0;        // epochs completed
  std::int64_t global_step = 0;  // optimizer updates so far
  double best_valid_ua = 0.0;
  std::int64_t best_epoch = -1;  // -1 = none yet
  std::int64_t epochs_without_improvement = 0;
  std::int64_t optimizer_step = 0;     // Adam's step count t (bias correction)
  std::vector<float> optimizer_m;      // Adam first moments, flat, weights layout (or empty)
  std::vector<float> optimizer_v;      // Adam second moments
  double lr = 0.0;                     // learning rate of the last epoch
  double plateau_lr = 0.0;             // LrSchedule::plateau_lr()
  std::string metrics_history = "[]";  // JSON text: one object per finished epoch
};

struct Checkpoint {
  std::string config_yaml;  // Config::to_yaml() of the run
  std::vector<std::string> labels;
  std::vector<ParamView> layout;           // parameter_layout(model, F, C)
  std::vector<float> weights;              // flat, layout order
  std::vector<float> norm_mean, norm_std;  // (F,) input normalisation
  TrainingState state;

  // The config parsed back from config_yaml (InputError naming `source` if it does not parse).
  Config config(const std::string& source = "checkpoint") const;
};

// Throws InputError(path, reason) when the file cannot be written; the previous file at `path`
// (if any) is then left untouched. Checks the checkpoint's own consistency first (sizes).
void save_checkpoint(const std::string& path, const Checkpoint& checkpoint);

// Reads and checks: format, schema version, every parameter present with the shape the
// config's model options give (parameter_layout(config.model, F, C), F from the feature options
// at audio.sample_rate, C = labels), norm sizes F. Any mismatch: InputError(path, reason).
Checkpoint load_checkpoint(const std::string& path);

// Throws InputError(path, ...) when a weight or an input-normalisation mean is not finite, or an
// input-normalisation std is not a finite number > 0: a model that would answer NaN (issue 20).
void check_model_values(const std::string& path, const Checkpoint& checkpoint);

}  // namespace calmspace
