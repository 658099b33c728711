// How a model is trained (config section `train`) and augmented on the fly (section `augment`).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/base/device.h"
#include "core/base/options.h"

namespace calmspace {

enum class OptimizerKind { Adam, AdamW };
enum class ScheduleKind { Constant, Cosine, Plateau };
enum class Trainable { All, Top, Head };

inline const EnumTable<OptimizerKind>& optimizer_kind_table() {
  static const EnumTable<OptimizerKind> t = {{"adamw", OptimizerKind::AdamW},
                                             {"adam", OptimizerKind::Adam}};
  return t;
}
inline const EnumTable<ScheduleKind>& schedule_kind_table() {
  static const EnumTable<ScheduleKind> t = {{"cosine", ScheduleKind::Cosine},
                                            {"constant", ScheduleKind::Constant},
                                            {"plateau", ScheduleKind::Plateau}};
  return t;
}

inline const EnumTable<Trainable>& trainable_table() {
  static const EnumTable<Trainable> t = {
      {"all", Trainable::All}, {"top", Trainable::Top}, {"head", Trainable::Head}};
  return t;
}

inline constexpr int kMaxEnsemble = 16;

struct TrainOptions {
  int epochs = 40;
  int batch_size = 32;
  OptimizerKind optimizer = OptimizerKind::AdamW;
  double lr = 1e-3;
  double weight_decay = 1e-4;  // AdamW: decoupled; Adam: added to the gradient (L2)
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  double grad_clip = 5.0;  // clip the global gradient L2 norm to this; 0 = off
  ScheduleKind schedule = ScheduleKind::Cosine;
  int warmup_epochs = 1;       // linear warm-up from lr/10 over this many epochs
  double min_lr = 1e-5;        // cosine floor; plateau floor
  bool class_weights = false;  // weight the loss by inverse training-set class frequency
  // Each epoch draws as many clips as the training split has, with replacement, every
  // (corpus, class) group equally likely (core/dataset/batching.h: balanced_draw).
  bool balanced_sampling = false;
  int patience = 10;    // early stopping: epochs without a better validation UA; 0 = off
  int test_fold = 0;    // fold held out as test set (speaker-independent)
  int valid_fold = -1;  // fold used for validation / early stopping; -1 = the next fold
  // false: no validation fold; every fold but the test fold trains, for all `epochs`, and the last
  // epoch's weights are kept (a cosine schedule has annealed them by then).
  bool validation = true;
  // false: a speaker may be in several splits of a CSV split column (a person's own clips, split
  // into fine-tuning and test clips: core/train/trainer.h, train.init). Folds stay per speaker.
  bool speaker_independent = true;
  std::string init;  // a trained model to start from (trainer.h: fine-tuning); "" = random init
  // Which weights train from `init`: all | top (the last recurrent layer, pooling and head) |
  // head (pooling and head); the rest stay as the model has them.
  Trainable trainable = Trainable::All;
  // With init: the model a run keeps (best.h5, so also its validation) is
  // init + init_mix x (trained - init); 1 = the trained weights, 0.5 = halfway back to the init
  // (WiSE-FT, Wortsman et al., CVPR 2022). last.h5 holds the trained weights, for --resume.
  double init_mix = 1.0;
  std::uint64_t seed = 1;
  int ensemble = 1;  // > 1: that many members, seeds seed, seed + 1, ... (core/train/ensemble.h)
  bool ensemble_rotate_valid = false;     // members validate on different folds (ensemble.h)
  int num_threads = 0;                    // 0 = all cores
  std::string device = "auto";            // auto | cpu | cuda | cuda:N (core/model/backend.h)
  Precision precision = Precision::Fp32;  // GPU math: fp32 | tf32 | fp16 | bf16

  ComputeOptions compute() const { return {device, precision}; }

  void register_options(OptionRegistry& r) {
    r.add("epochs", &epochs, "maximum number of epochs");
    r.add("batch_size", &batch_size, "clips per mini-batch (bucketed by length)");
    r.add_enum("optimizer", &optimizer, optimizer_kind_table(), "optimizer");
    r.add("lr", &lr, "peak learning rate");
    r.add("weight_decay", &weight_decay, "weight decay (decoupled for adamw)");
    r.add("beta1", &beta1, "Adam beta1");
    r.add("beta2", &beta2, "Adam beta2");
    r.add("eps", &eps, "Adam epsilon");
    r.add("grad_clip", &grad_clip, "clip the global gradient norm to this; 0 = off");
    r.add_enum("schedule", &schedule, schedule_kind_table(), "learning-rate schedule");
    r.add("warmup_epochs", &warmup_epochs, "linear warm-up epochs");
    r.add("min_lr", &min_lr, "lowest learning rate of the schedule");
    r.add("class_weights", &class_weights, "weight the loss by inverse class frequency");
    r.add("balanced_sampling", &balanced_sampling,
          "draw each epoch's clips with every (corpus, class) group equally likely");
    r.add("patience", &patience, "early stopping patience on validation UA (epochs); 0 = off");
    r.add("test_fold", &test_fold, "fold held out for testing");
    r.add("valid_fold", &valid_fold, "fold for validation/early stopping; -1 = next fold");
    r.add("validation", &validation,
          "hold out valid_fold for early stopping and the best checkpoint; false = train on every "
          "fold but the test fold for all epochs and keep the last");
    r.add("speaker_independent", &speaker_independent,
          "false: a CSV split column may put one speaker in several splits (fine-tuning on a "
          "person's own clips)");
    r.add("init", &init,
          "a trained model (run directory, .h5 checkpoint or .safetensors) to start from: its "
          "audio, features, model and labels are kept; empty = random initialisation");
    r.add_enum("trainable", &trainable, trainable_table(),
               "with init: all, top (last recurrent layer, pooling, head) or head (pooling, head)");
    r.add("init_mix", &init_mix,
          "with init: the kept model is init + init_mix x (trained - init); 1 = as trained, "
          "0.5 = halfway back to the init (WiSE-FT)");
    r.add("seed", &seed, "seed of initialisation, shuffling, dropout and augmentation");
    r.add("ensemble", &ensemble,
          "models to train with seeds seed, seed+1, ...; predictions average their "
          "log-probabilities");
    r.add("ensemble_rotate_valid", &ensemble_rotate_valid,
          "ensemble member k validates on the k-th fold after the validation fold (test skipped)");
    r.add("num_threads", &num_threads, "threads for training; 0 = all cores");
    r.add("device", &device, "auto, cpu, cuda or cuda:N; auto = the GPU when one is usable");
    r.add_enum("precision", &precision, precision_table(),
               "GPU math: fp32 (strict), tf32, fp16 (tensor cores); the CPU is always fp32");
  }
  void validate() const;
};

// On-the-fly augmentation of training clips, all drawn from the training seed.
struct AugmentOptions {
  double gain_db = 0.0;     // random gain, uniform in [-gain_db, +gain_db] dB; 0 = off
  double noise_prob = 0.0;  // probability of adding white noise to a clip
  double noise_snr_min_db = 10.0;
  double noise_snr_max_db = 30.0;
  std::vector<double> speed_factors;  // e.g. [0.9, 1.0, 1.1]: resample-based speed perturbation
  int time_masks = 0;                 // SpecAugment: number of time masks per clip
  int time_mask_frames = 20;          // maximum width of a time mask (frames)
  int freq_masks = 0;                 // SpecAugment: number of frequency masks per clip
  int freq_mask_bins = 8;             // maximum width of a frequency mask (feature bins)
  // A room: the clip convolved with one of reverb_rooms image-method impulse responses
  // (RT60 uniform in [min, max], drawn once per training seed), with probability reverb_prob.
  double reverb_prob = 0.0;
  double reverb_rt60_min_s = 0.2;
  double reverb_rt60_max_s = 0.8;
  int reverb_rooms = 64;
  // A crowd: babble_talkers other speakers' training clips, summed at unit RMS, added at an SNR
  // uniform in [babble_snr_min_db, babble_snr_max_db], with probability babble_prob.
  double babble_prob = 0.0;
  double babble_snr_min_db = 5.0;
  double babble_snr_max_db = 20.0;
  int babble_talkers = 3;
  // Mixup (Zhang et al. 2018, arXiv 1710.09412), on the features of each training batch: every
  // clip is mixed with a seeded partner of its batch, x = lambda x_a + (1 - lambda) x_b, with
  // lambda ~ Beta(mixup_alpha, mixup_alpha) folded to >= 0.5 so the clip stays the larger part,
  // and trained towards lambda y_a + (1 - lambda) y_b (core/train/mixup.h). 0 = off.
  double mixup_alpha = 0.0;
  // A browser's codec, last (after the room and the noise, as a recording is sent): with
  // probability codec_prob the clip is encoded and decoded by FFmpeg, as Opus in WebM (Chrome,
  // Firefox) or AAC in MP4 (Safari), equally likely, at a bit rate drawn from codec_kbps. An
  // encode and decode costs about 10 (AAC) to 40 (Opus) ms of one core per 3.5 s clip.
  double codec_prob = 0.0;
  std::vector<double> codec_kbps = {16, 24, 32};

  void register_options(OptionRegistry& r) {
    r.add("gain_db", &gain_db, "random gain range +-dB; 0 = off");
    r.add("noise_prob", &noise_prob, "probability of additive white noise");
    r.add("noise_snr_min_db", &noise_snr_min_db, "lowest noise SNR in dB");
    r.add("noise_snr_max_db", &noise_snr_max_db, "highest noise SNR in dB");
    r.add("speed_factors", &speed_factors, "speed perturbation factors; empty = off");
    r.add("time_masks", &time_masks, "SpecAugment time masks per clip");
    r.add("time_mask_frames", &time_mask_frames, "maximum time-mask width in frames");
    r.add("freq_masks", &freq_masks, "SpecAugment frequency masks per clip");
    r.add("freq_mask_bins", &freq_mask_bins, "maximum frequency-mask width in bins");
    r.add("reverb_prob", &reverb_prob, "probability of a room's reverberation (image method)");
    r.add("reverb_rt60_min_s", &reverb_rt60_min_s, "shortest room RT60 in seconds");
    r.add("reverb_rt60_max_s", &reverb_rt60_max_s, "longest room RT60 in seconds");
    r.add("reverb_rooms", &reverb_rooms, "rooms drawn once per seed, one picked per clip");
    r.add("babble_prob", &babble_prob, "probability of crowd babble from other speakers' clips");
    r.add("babble_snr_min_db", &babble_snr_min_db, "lowest babble SNR in dB");
    r.add("babble_snr_max_db", &babble_snr_max_db, "highest babble SNR in dB");
    r.add("babble_talkers", &babble_talkers, "other speakers summed into the babble");
    r.add("mixup_alpha", &mixup_alpha, "mixup's Beta(alpha, alpha) on training batches; 0 = off");
    r.add("codec_prob", &codec_prob, "probability of an Opus or AAC encode and decode");
    r.add("codec_kbps", &codec_kbps, "codec bit rates in kbit/s, one drawn per clip");
  }
  void validate() const;
  bool waveform_augmentation() const {
    return gain_db > 0 || noise_prob > 0 || !speed_factors.empty() || reverb_prob > 0 ||
           babble_prob > 0 || codec_prob > 0;
  }
};

}  // namespace calmspace
