// One libFuzzer program per target (fuzz/CMakeLists.txt compiles this file once per target with
// CALMSPACE_FUZZ_TARGET set to the target's function): `fuzz_decode_audio CORPUS_DIR
// -max_total_time=60`.
#include <cstddef>
#include <cstdint>

#include "fuzz/fuzz_targets.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  calmspace::fuzz::CALMSPACE_FUZZ_TARGET({data, size});
  return 0;
}
