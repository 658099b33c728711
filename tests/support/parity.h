// The parity harness, in the style of ggml's test-backend-ops: one table of cases per stage, one
// comparison helper, and every backend run over the same cases against the same truth.
//   Models: every cell x direction x layers {1, 2} x pooling (all_model_cases), one ragged batch
//   (lengths 7, 3, 9, 1, 5), perturbed weights, non-trivial input normalisation, training-mode
//   forward (no dropout: cuDNN draws its own masks) and backward of seeded output gradients.
//   The truth is the double reference (core/model/reference_model.h, itself checked by finite
//   differences in tests/model/gradcheck_test.cpp). Backends: reference<float>, the fast CPU
//   backend, and cuDNN at fp32, tf32, fp16 and bf16, each with its stated tolerance; a backend
//   that cannot run a case (no GPU, a precision it does not implement) says why and the case is
//   skipped with that reason.
//   Features: the variants below (every kind, spectrum, scale, norm, window, framing mode,
//   conditioning, delta and CMVN option), shared by the streaming and CUDA feature tests.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/base/tensor.h"
#include "core/config/feature_options.h"
#include "support/model_test_util.h"

namespace calmspace::testing::parity {

// ---- The one comparison helper ----------------------------------------------------------------
// Every element within abs + rel * max|want| (the scale of the whole tensor); names the worst.
::testing::AssertionResult close(std::span<const double> got, std::span<const double> want,
                                 double abs, double rel);

// ---- Models -----------------------------------------------------------------------------------
struct ModelProblem {
  ModelCase model_case;
  ModelOptions options;
  int F = 6, C = 4;
  std::vector<float> weights, mean, stdv;
  PaddedBatch x;
  std::vector<float> dlogits;  // (B, C)
};
ModelProblem make_problem(const ModelCase& c);

struct Outputs {
  std::vector<double> logits;     // (B, C)
  std::vector<double> gradients;  // flat, the parameter layout
};
Outputs reference_outputs(const ModelProblem& p);  // the double reference: the truth

struct ModelBackend {
  std::string name;
  double abs_tol = 0, rel_tol = 0;
  std::string tolerance_reason;  // why the tolerance is what it is (observed errors, math mode)
  // The outputs, or nullopt with *why when this backend cannot run here or cannot run the case.
  std::function<std::optional<Outputs>(const ModelProblem&, std::string* why)> run;
};
std::vector<ModelBackend> cpu_model_backends();   // reference<float>, cpu (the fast backend)
std::vector<ModelBackend> cuda_model_backends();  // cudnn_fp32, cudnn_tf32, cudnn_fp16, cudnn_bf16

// Runs one backend on one case and checks logits and every parameter's gradient.
void check_model_parity(const ModelBackend& backend, const ModelCase& c);

// ---- Features ---------------------------------------------------------------------------------
struct FeatureCase {
  std::string name;
  FeatureOptions options;
};
const std::vector<FeatureCase>& feature_cases();
FeatureOptions feature_case(const std::string& name);

}  // namespace calmspace::testing::parity
