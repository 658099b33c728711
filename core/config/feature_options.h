// One options struct configures the whole feature path, identically for the CPU reference and
// the CUDA kernels:
//   samples -> [pre-emphasis] [dither] -> frames (win_ms/hop_ms, centred or snip-edges) -> window
//   -> |FFT|^p (n_fft) -> [mel filterbank] -> [log(max(x, log_floor))] -> [MFCC: DCT-II ortho,
//   lifter] [+ prosody columns from the same frames: pitch, energy (core/features/prosody.h)]
//   -> [deltas, delta-deltas] -> [per-utterance CMVN]
// With the defaults, `logmel` equals torchaudio.transforms.MelSpectrogram(sample_rate=16000,
// n_fft=512, win_length=400, hop_length=160, n_mels=64, center=True, pad_mode="reflect",
// power=2.0, norm=None, mel_scale="htk") followed by torch.log(x.clamp(min=1e-10)).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/base/options.h"

namespace calmspace {

enum class FeatureKind { Spectrogram, LogMel, Mfcc };
enum class WindowKind { Hann, Hamming, Povey, Rectangular };
enum class SpectrumKind { Power, Magnitude };
enum class MelScale { Htk, Slaney };
enum class MelNorm { None, Slaney };
enum class Cmvn { None, Mean, MeanVar };

inline const EnumTable<FeatureKind>& feature_kind_table() {
  static const EnumTable<FeatureKind> t = {{"logmel", FeatureKind::LogMel},
                                           {"mfcc", FeatureKind::Mfcc},
                                           {"spectrogram", FeatureKind::Spectrogram}};
  return t;
}
inline const EnumTable<WindowKind>& window_kind_table() {
  static const EnumTable<WindowKind> t = {{"hann", WindowKind::Hann},
                                          {"hamming", WindowKind::Hamming},
                                          {"povey", WindowKind::Povey},
                                          {"rectangular", WindowKind::Rectangular}};
  return t;
}
inline const EnumTable<SpectrumKind>& spectrum_kind_table() {
  static const EnumTable<SpectrumKind> t = {{"power", SpectrumKind::Power},
                                            {"magnitude", SpectrumKind::Magnitude}};
  return t;
}
inline const EnumTable<MelScale>& mel_scale_table() {
  static const EnumTable<MelScale> t = {{"htk", MelScale::Htk}, {"slaney", MelScale::Slaney}};
  return t;
}
inline const EnumTable<MelNorm>& mel_norm_table() {
  static const EnumTable<MelNorm> t = {{"none", MelNorm::None}, {"slaney", MelNorm::Slaney}};
  return t;
}
inline const EnumTable<Cmvn>& cmvn_table() {
  static const EnumTable<Cmvn> t = {
      {"none", Cmvn::None}, {"mean", Cmvn::Mean}, {"mean_var", Cmvn::MeanVar}};
  return t;
}

struct FeatureOptions {
  FeatureKind kind = FeatureKind::LogMel;
  double win_ms = 25.0;  // analysis window length, ms (400 samples at 16 kHz)
  double hop_ms = 10.0;  // frame shift, ms (160 samples at 16 kHz)
  int n_fft = 0;         // FFT size in samples; 0 = next power of two >= window length
  bool center = true;    // true: frame t is centred on sample t*hop, signal reflect-padded by
                         // n_fft/2 (torchaudio); false: snip edges, frame t = [t*hop, t*hop+win)
  WindowKind window = WindowKind::Hann;  // hann/hamming periodic (torch), povey as Kaldi
  double preemphasis = 0.0;              // y[n] = x[n] - a*x[n-1] on the whole clip; 0 = off
  double dither = 0.0;                   // stddev of Gaussian noise added to samples; 0 = off
  std::uint64_t dither_seed = 0;         // dither noise depends only on this seed and the clip
  SpectrumKind spectrum = SpectrumKind::Power;
  int n_mels = 64;
  double f_min = 0.0;  // Hz
  double f_max = 0.0;  // Hz; 0 = sample_rate / 2
  MelScale mel_scale = MelScale::Htk;
  MelNorm mel_norm = MelNorm::None;  // slaney = divide each triangle by its width (area norm)
  double log_floor = 1e-10;          // log(max(x, floor)); also the value silence maps to
  int n_mfcc = 13;
  double lifter = 0.0;   // cepstral liftering coefficient L (Kaldi uses 22); 0 = off
  int deltas = 0;        // 0 = none, 1 = + deltas, 2 = + deltas and delta-deltas
  int delta_window = 2;  // N in torchaudio.functional.compute_deltas (win_length = 2N+1)
  Cmvn cmvn = Cmvn::None;
  // Speaker-level normalisation (core/features/speaker_norm.h): each clip's features minus the
  // mean (mean_var: and over the std) of every clean frame of its speaker's clips in the same
  // split, so that what is left is how this clip differs from the speaker's usual voice. Where no
  // speaker statistics exist (predict, serve, ONNX), the clip's own stand in (utterance_features).
  Cmvn speaker_norm = Cmvn::None;
  // With speaker_norm: a speaker's statistics come from their clips of this label only (e.g.
  // neutral: what voice enrolment can give at inference, core/eval/enrolment.h), or from all their
  // clips when they have none of it; "" = every clip of the speaker.
  std::string speaker_norm_label;
  // Prosody columns appended to each frame's spectral values, from the same `win` samples
  // (core/features/prosody.h), in this order whatever the order listed:
  //   pitch:  voicing strength in [0, 1] (1 - YIN's aperiodicity) and log-F0 minus the mean
  //           log-F0 of the recording's voiced frames (unvoiced frames interpolated);
  //   energy: log mean-square frame energy minus the recording's mean.
  // Both are normalised per recording, so a speaker's register and the recording level cancel.
  std::vector<std::string> extra;
  double f0_min = 80.0;             // Hz; the lag sr/f0_min must fit in half the window
  double f0_max = 500.0;            // Hz
  double voicing_threshold = 0.25;  // YIN aperiodicity below which a frame is voiced
  int num_threads = 0;              // threads for batch extraction; 0 = all hardware threads
  // Where features are computed: auto (wherever train.device runs the model), cpu, cuda, cuda:N
  // (core/base/device.h; Config::feature_device() resolves auto).
  std::string device = "auto";

  void register_options(OptionRegistry& r) {
    r.add_enum("kind", &kind, feature_kind_table(),
               "output: log-mel, MFCC, or log linear-frequency spectrogram (n_fft/2+1 bins)");
    r.add("win_ms", &win_ms, "window length in ms");
    r.add("hop_ms", &hop_ms, "frame shift in ms");
    r.add("n_fft", &n_fft, "FFT size in samples; 0 = next power of two >= window");
    r.add("center", &center, "centre frames on t*hop with reflect padding (false: snip edges)");
    r.add_enum("window", &window, window_kind_table(), "analysis window");
    r.add("preemphasis", &preemphasis, "pre-emphasis coefficient a in x[n]-a*x[n-1]; 0 = off");
    r.add("dither", &dither, "stddev of seeded Gaussian dither added to samples; 0 = off");
    r.add("dither_seed", &dither_seed, "seed of the dither noise");
    r.add_enum("spectrum", &spectrum, spectrum_kind_table(), "power |X|^2 or magnitude |X|");
    r.add("n_mels", &n_mels, "number of mel bands");
    r.add("f_min", &f_min, "lowest mel filter edge in Hz");
    r.add("f_max", &f_max, "highest mel filter edge in Hz; 0 = Nyquist");
    r.add_enum("mel_scale", &mel_scale, mel_scale_table(), "mel scale formula");
    r.add_enum("mel_norm", &mel_norm, mel_norm_table(), "filter area normalisation");
    r.add("log_floor", &log_floor, "floor applied before the natural log");
    r.add("n_mfcc", &n_mfcc, "number of cepstral coefficients (kind: mfcc)");
    r.add("lifter", &lifter, "cepstral lifter coefficient; 0 = off");
    r.add("deltas", &deltas, "append deltas (1) or deltas and delta-deltas (2)");
    r.add("delta_window", &delta_window, "delta regression half-width N (frames)");
    r.add_enum("cmvn", &cmvn, cmvn_table(), "per-utterance mean / variance normalisation");
    r.add_enum("speaker_norm", &speaker_norm, cmvn_table(),
               "normalise with the statistics of the speaker's clips in the split (needs cmvn: "
               "none); without them (predict, serve) the clip's own");
    r.add("speaker_norm_label", &speaker_norm_label,
          "speaker statistics from the speaker's clips of this label only (e.g. neutral, as "
          "enrolment gives them); empty = all the speaker's clips");
    r.add("extra", &extra,
          "prosody columns after the spectral ones: [pitch] (voicing, normalised log-F0), "
          "[energy] (normalised log energy), or both");
    r.add("f0_min", &f0_min, "lowest F0 the pitch tracker looks for, Hz (sr/f0_min <= win/2)");
    r.add("f0_max", &f0_max, "highest F0 the pitch tracker looks for, Hz");
    r.add("voicing_threshold", &voicing_threshold,
          "YIN aperiodicity (0-1) below which a frame counts as voiced");
    r.add("num_threads", &num_threads, "threads for batch extraction; 0 = all cores");
    r.add("device", &device,
          "where features are computed: auto (where train.device runs the model), cpu, cuda, "
          "cuda:N");
  }

  // Throws InputError naming the offending key ("features.n_mels") when inconsistent.
  void validate(int sample_rate) const;

  // Derived sizes, in samples / bins, at `sample_rate`.
  int win_length(int sample_rate) const;
  int hop_length(int sample_rate) const;
  int fft_size(int sample_rate) const;
  int num_bins(int sample_rate) const { return fft_size(sample_rate) / 2 + 1; }
  // Values per frame from the spectrum (bins, mels or cepstra), prosody columns (features.extra),
  // both together before deltas, and everything after them.
  int spectral_dim(int sample_rate) const;
  bool has_pitch() const;
  bool has_energy() const;
  int extra_dim() const { return (has_pitch() ? 2 : 0) + (has_energy() ? 1 : 0); }
  int base_dim(int sample_rate) const { return spectral_dim(sample_rate) + extra_dim(); }
  int feature_dim(int sample_rate) const { return base_dim(sample_rate) * (1 + deltas); }
  // Closed-form frame count for a clip of `num_samples` samples.
  std::int64_t num_frames(std::int64_t num_samples, int sample_rate) const;
};

// Canonical YAML of the options that change feature values (num_threads and device left out) and
// the key derived from it: same options -> same key, any changed value -> another key (the name of
// a dataset file's stored feature set, core/dataset/dataset_file.h).
// speaker_norm, and extra with its f0_min, f0_max and voicing_threshold, are written only when
// set (files and checkpoints made before them keep their keys).
// speaker_norm (and speaker_norm_label) are written only when set (files made before them keep
// their keys) and are not part of the key: a stored feature set holds the features before
// speaker normalisation.
std::string feature_options_yaml(const FeatureOptions& options);
std::string feature_set_key(const FeatureOptions& options);

// The options for one recording with no speaker statistics: speaker_norm becomes the utterance
// CMN/CMVN of the same mode (the clip's own statistics stand in for its speaker's).
FeatureOptions utterance_features(FeatureOptions options);

}  // namespace calmspace
