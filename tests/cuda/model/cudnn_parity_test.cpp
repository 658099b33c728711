// The parity harness (support/parity.h) over the cuDNN backend at every precision, against the
// double reference, every model case: the same cases and helper as tests/parity (the CPU
// backends). A precision cuDNN cannot run, or no GPU, skips with the reason.
#include <gtest/gtest.h>

#include "support/gpu_test_util.h"
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
  for (const ModelBackend& b : testing::parity::cuda_model_backends())
    for (const auto& c : testing::all_model_cases()) out.push_back({b, c});
  return out;
}

class CudnnHarnessParity : public ::testing::TestWithParam<Param> {};

TEST_P(CudnnHarnessParity, LogitsAndGradientsMatchTheDoubleReference) {
  CALMSPACE_SKIP_WITHOUT_GPU();
  testing::parity::check_model_parity(GetParam().backend, GetParam().model_case);
}

INSTANTIATE_TEST_SUITE_P(Cuda, CudnnHarnessParity, ::testing::ValuesIn(params()),
                         [](const auto& p) {
                           return p.param.backend.name + "_" + p.param.model_case.name();
                         });

}  // namespace
}  // namespace calmspace
