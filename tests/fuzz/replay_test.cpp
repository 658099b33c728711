// Every input in fuzz/regressions/<target>/ (each once made its target crash, hang, report or leak
// an internal error) goes through its target again: the target must return. Plus a sanity check
// that each target runs its code on a well-formed input and on garbage.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "fuzz/fuzz_targets.h"
#include "support/model_fixtures.h"

namespace calmspace::fuzz {
namespace {

namespace fs = std::filesystem;

std::vector<std::uint8_t> bytes_of(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::vector<std::uint8_t> bytes_of(const std::string& text) {
  return {text.begin(), text.end()};
}

TEST(FuzzRegressions, EveryRecordedInputIsHandled) {
  const fs::path root = fs::path(CALMSPACE_SOURCE_DIR) / "fuzz" / "regressions";
  int replayed = 0;
  for (const NamedTarget& target : kTargets) {
    const fs::path dir = root / target.name;
    if (!fs::is_directory(dir)) continue;
    for (const auto& entry : fs::directory_iterator(dir)) {
      SCOPED_TRACE(entry.path().string());
      const std::vector<std::uint8_t> input = bytes_of(entry.path());
      EXPECT_NO_THROW(target.run(input));
      ++replayed;
    }
  }
  RecordProperty("replayed", replayed);
}

TEST(FuzzTargets, AcceptWellFormedAndGarbageInput) {
  const std::vector<std::uint8_t> garbage(300, 0xA5);
  for (const NamedTarget& target : kTargets) {
    SCOPED_TRACE(std::string(target.name));
    EXPECT_NO_THROW(target.run({}));
    EXPECT_NO_THROW(target.run(garbage));
  }
  EXPECT_NO_THROW(config(bytes_of(std::string("features:\n  n_mels: 40\n") + '\0' +
                                  "train.epochs=2\nmodel.cell=lstm")));
  EXPECT_NO_THROW(
      http_request(bytes_of(std::string("GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n"
                                        "GET /api/model HTTP/1.1\r\n\r\n"))));
}

}  // namespace
}  // namespace calmspace::fuzz
