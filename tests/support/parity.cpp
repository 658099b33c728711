#include "support/parity.h"

#include <cmath>

#include "core/base/error.h"
#include "core/base/gpu_runtime.h"
#include "core/model/backend.h"
#include "core/model/reference_model.h"

namespace calmspace::testing::parity {

::testing::AssertionResult close(std::span<const double> got, std::span<const double> want,
                                 double abs, double rel) {
  if (got.size() != want.size())
    return ::testing::AssertionFailure() << got.size() << " values, want " << want.size();
  double scale = 0;
  for (double w : want) scale = std::max(scale, std::abs(w));
  const double tol = abs + rel * scale;
  double worst = -1;
  std::size_t at = 0;
  for (std::size_t i = 0; i < want.size(); ++i) {
    const double e = std::abs(got[i] - want[i]);
    if (!(e <= worst)) {  // NaN counts as the worst
      worst = std::isnan(e) ? INFINITY : e;
      at = i;
    }
  }
  if (worst <= tol)
    return ::testing::AssertionSuccess() << "worst |got - want| " << worst << " of " << tol;
  return ::testing::AssertionFailure()
         << "worst at [" << at << "]: got " << got[at] << ", want " << want[at] << ", |diff| "
         << worst << " > " << abs << " + " << rel << " * " << scale;
}

ModelProblem make_problem(const ModelCase& c) {
  ModelProblem p;
  p.model_case = c;
  p.options = make_options(c, 5, 3);
  p.options.dropout = 0.0;
  const auto init = make_cpu_sequence_model(p.options, p.F, p.C, 3);
  const auto w = init->weights();
  const auto noise = random_values(static_cast<std::int64_t>(w.size()), 0.05, 4);
  p.weights.resize(w.size());
  for (std::size_t i = 0; i < w.size(); ++i) p.weights[i] = w[i] + noise[i];
  p.mean = random_values(p.F, 0.3, 5);
  p.stdv = random_values(p.F, 0.2, 6);
  for (float& s : p.stdv) s = 1.0f + std::abs(s);
  p.x = random_batch({7, 3, 9, 1, 5}, p.F, 21);
  p.dlogits = random_values(p.x.batch * p.C, 1.0, 31);
  return p;
}

template <class S>
Outputs run_reference(const ModelProblem& p) {
  ReferenceModel<S> ref(p.options, p.F, p.C);
  ref.weights().assign(p.weights.begin(), p.weights.end());
  ref.input_mean().assign(p.mean.begin(), p.mean.end());
  ref.input_std().assign(p.stdv.begin(), p.stdv.end());
  std::vector<S> logits;
  ref.forward(to_ref<S>(p.x), logits, /*training=*/true, 0);
  const std::vector<S> dl(p.dlogits.begin(), p.dlogits.end());
  ref.backward(dl);
  return {{logits.begin(), logits.end()}, {ref.gradients().begin(), ref.gradients().end()}};
}

Outputs reference_outputs(const ModelProblem& p) {
  return run_reference<double>(p);
}

// A SequenceModel backend made by the factory (the same one training uses).
std::optional<Outputs> run_factory(const ModelProblem& p, const ComputeOptions& compute,
                                   std::string* why) {
  std::unique_ptr<SequenceModel> m;
  try {
    m = make_sequence_model(p.options, p.F, p.C, 3, compute);
  } catch (const InputError& e) {  // no GPU here, or a precision this backend does not implement
    *why = e.what();
    return std::nullopt;
  }
  m->set_num_threads(2);
  std::copy(p.weights.begin(), p.weights.end(), m->weights().begin());
  m->set_input_norm(p.mean, p.stdv);
  std::vector<float> logits;
  m->forward(p.x, logits, /*training=*/true, 0);
  m->zero_gradients();
  m->backward(p.dlogits);
  const auto g = m->gradients();
  return Outputs{{logits.begin(), logits.end()}, {g.begin(), g.end()}};
}

std::vector<ModelBackend> cpu_model_backends() {
  return {
      {"reference_float", 2e-5, 2e-5,
       "float32 round-off over at most 9 steps and 2 layers (tests/model/fast_parity_test.cpp "
       "observed 2.1e-6 for the fast path; 10x margin)",
       [](const ModelProblem& p, std::string*) { return std::optional(run_reference<float>(p)); }},
      {"cpu", 2e-5, 2e-5, "as reference_float: the fast path's float32 round-off, 2 threads",
       [](const ModelProblem& p, std::string* why) {
         return run_factory(p, {"cpu", Precision::Fp32}, why);
       }},
  };
}

std::vector<ModelBackend> cuda_model_backends() {
  const auto on_gpu = [](Precision precision) {
    return [precision](const ModelProblem& p, std::string* why) {
      return run_factory(p, {"cuda", precision}, why);
    };
  };
  return {
      {"cudnn_fp32", 1e-4, 1e-3,
       "strict FP32 (no tensor cores): other summation orders; the cuDNN parity bounds of "
       "tests/cuda/model/cudnn_sequence_model_test.cpp (1e-4 abs, 1e-3 rel on gradients)",
       on_gpu(Precision::Fp32)},
      {"cudnn_tf32", 2e-2, 2e-2,
       "TF32 tensor cores keep 10 mantissa bits: a few 1e-3 relative on O(1) values",
       on_gpu(Precision::Tf32)},
      {"cudnn_fp16", 2e-2, 2e-2, "FP16 conversion for tensor cores: 10 mantissa bits, as TF32",
       on_gpu(Precision::Fp16)},
      {"cudnn_bf16", 2e-2, 5e-2, "BF16 keeps 7 mantissa bits", on_gpu(Precision::Bf16)},
  };
}

void check_model_parity(const ModelBackend& backend, const ModelCase& c) {
  const ModelProblem p = make_problem(c);
  std::string why;
  const std::optional<Outputs> got = backend.run(p, &why);
  if (!got) GTEST_SKIP() << backend.name << " cannot run " << c.name() << ": " << why;
  const Outputs want = reference_outputs(p);
  EXPECT_TRUE(close(got->logits, want.logits, backend.abs_tol, backend.rel_tol))
      << backend.name << " " << c.name() << " logits (" << backend.tolerance_reason << ")";
  for (const ParamView& v : parameter_layout(p.options, p.F, p.C)) {
    const auto o = static_cast<std::size_t>(v.offset), n = static_cast<std::size_t>(v.size);
    EXPECT_TRUE(close(std::span(got->gradients).subspan(o, n),
                      std::span(want.gradients).subspan(o, n), backend.abs_tol, backend.rel_tol))
        << backend.name << " " << c.name() << " d" << v.name << " (" << backend.tolerance_reason
        << ")";
  }
}

const std::vector<FeatureCase>& feature_cases() {
  static const std::vector<FeatureCase> cases = [] {
    std::vector<FeatureCase> out;
    const auto add = [&](const std::string& name, auto&& set) {
      FeatureOptions o;
      set(o);
      out.push_back({name, o});
    };
    add("logmel", [](FeatureOptions&) {});
    add("logmel_slaney", [](FeatureOptions& o) {
      o.f_min = 20.0;
      o.f_max = 7600.0;
      o.window = WindowKind::Hamming;
      o.spectrum = SpectrumKind::Magnitude;
      o.mel_scale = MelScale::Slaney;
      o.mel_norm = MelNorm::Slaney;
    });
    add("logmel_snip", [](FeatureOptions& o) {
      o.n_fft = 400;
      o.center = false;
      o.window = WindowKind::Povey;
      o.preemphasis = 0.97;
    });
    add("logmel_dither_cmvn_mean", [](FeatureOptions& o) {
      o.preemphasis = 0.97;
      o.dither = 1e-3;
      o.dither_seed = 7;
      o.cmvn = Cmvn::Mean;
    });
    add("logmel_centred_odd_window", [](FeatureOptions& o) {
      o.win_ms = 25.0625;  // 401 samples in a 512-point FFT: odd offset (n_fft - win) / 2 = 55
      o.hop_ms = 12.5;
      o.n_mels = 80;
      o.f_min = 60.0;
      o.log_floor = 1e-6;
    });
    const auto mfcc = [](FeatureOptions& o) {
      o.kind = FeatureKind::Mfcc;
      o.n_mels = 40;
      o.n_mfcc = 13;
      o.deltas = 2;
    };
    add("mfcc", mfcc);
    add("mfcc_lifter_cmvn", [&](FeatureOptions& o) {
      mfcc(o);
      o.lifter = 22.0;
      o.cmvn = Cmvn::MeanVar;
    });
    add("mfcc_snip_rect_odd_fft", [](FeatureOptions& o) {
      o.kind = FeatureKind::Mfcc;
      o.win_ms = 20.0;
      o.hop_ms = 5.0;
      o.n_fft = 321;  // odd FFT size: 161 bins
      o.center = false;
      o.window = WindowKind::Rectangular;
      o.n_mels = 23;
      o.n_mfcc = 23;
      o.deltas = 1;
      o.delta_window = 3;
      o.cmvn = Cmvn::MeanVar;
    });
    add("spectrogram", [](FeatureOptions& o) { o.kind = FeatureKind::Spectrogram; });
    add("spectrogram_magnitude_snip", [](FeatureOptions& o) {
      o.kind = FeatureKind::Spectrogram;
      o.spectrum = SpectrumKind::Magnitude;
      o.center = false;
      o.window = WindowKind::Hamming;
    });
    return out;
  }();
  return cases;
}

FeatureOptions feature_case(const std::string& name) {
  for (const FeatureCase& c : feature_cases())
    if (c.name == name) return c.options;
  ADD_FAILURE() << "no feature case " << name;
  return {};
}

}  // namespace calmspace::testing::parity
