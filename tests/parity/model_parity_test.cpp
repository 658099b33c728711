// The parity harness (support/parity.h) over the CPU backends: reference<float> and the fast CPU
// backend against the double reference, every model case. The CUDA backends run over the same
// cases in tests/cuda/model/cudnn_parity_test.cpp (label gpu).
#include <gtest/gtest.h>

#include <cmath>

#include "support/parity.h"

namespace calmspace {
namespace {

using testing::parity::ModelBackend;

struct Param {
  ModelBackend backend;
  testing::ModelCase model_case;
};

std::vector<Param> params() {
  std::vector<Param> out;
  for (const ModelBackend& b : testing::parity::cpu_model_backends())
    for (const auto& c : testing::all_model_cases()) out.push_back({b, c});
  return out;
}

class ModelParity : public ::testing::TestWithParam<Param> {};

TEST_P(ModelParity, LogitsAndGradientsMatchTheDoubleReference) {
  testing::parity::check_model_parity(GetParam().backend, GetParam().model_case);
}

INSTANTIATE_TEST_SUITE_P(Cpu, ModelParity, ::testing::ValuesIn(params()), [](const auto& p) {
  return p.param.backend.name + "_" + p.param.model_case.name();
});

// The comparison helper itself: within tolerance passes, one value beyond it or a NaN fails.
TEST(ParityHelper, FailsOnAValueBeyondTheToleranceAndOnNaN) {
  const std::vector<double> want = {1.0, -2.0, 0.5};
  std::vector<double> got = {1.0 + 1e-7, -2.0, 0.5};
  EXPECT_TRUE(testing::parity::close(got, want, 1e-6, 0.0));
  got[1] = -2.0 + 1e-3;
  EXPECT_FALSE(testing::parity::close(got, want, 1e-6, 1e-4));  // 1e-3 > 1e-6 + 1e-4 * 2
  got[1] = std::nan("");
  EXPECT_FALSE(testing::parity::close(got, want, 1.0, 1.0));
  EXPECT_FALSE(testing::parity::close({got.data(), 2}, want, 1.0, 1.0));  // sizes differ
}

// A backend that gets a case wrong is caught: the fast CPU backend run on other weights.
TEST(ParityHelper, CatchesABackendWithDifferentResults) {
  const auto problem = testing::parity::make_problem({CellKind::Gru, false, 1, PoolingKind::Mean});
  auto other = problem;
  other.weights[0] += 0.5f;
  std::string why;
  const auto got = testing::parity::cpu_model_backends()[1].run(other, &why);
  ASSERT_TRUE(got) << why;
  const auto want = testing::parity::reference_outputs(problem);
  EXPECT_FALSE(testing::parity::close(got->gradients, want.gradients, 2e-5, 2e-5));
}

}  // namespace
}  // namespace calmspace
