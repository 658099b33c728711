// `calmspace serve` as a program: a bad model, data directory or address fails at start with one
// line naming it (exit 1), before any request is served.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "serve/server_harness.h"

namespace calmspace {
namespace {

using ::testing::HasSubstr;

int serve(const std::string& args, std::string* out) {
  return testing::run_command(
      "timeout 60 " + testing::calmspace_binary().string() + " serve " + args, out);
}

// `timeout`: a server that wrongly starts must not hang the test.
TEST(ServeCli, BadModelDataDirectoryOrAddressFailsWithOneLine) {
  testing::ServerHarness running;  // holds a port, and gives a model file
  const std::string model = " --model " + running.options().model_path;
  std::string out;
  EXPECT_EQ(serve("--model " + (running.dir() / "nowhere.safetensors").string(), &out), 1);
  EXPECT_THAT(out, HasSubstr("nowhere.safetensors: no such model file or run directory"));
  EXPECT_EQ(serve(model + " --port 0 --data " + (running.dir() / "model.md").string(), &out), 1);
  EXPECT_THAT(out, HasSubstr("model.md: not a directory"));
  EXPECT_EQ(serve(model + " --port " + std::to_string(running.port()) + " --data " +
                      (running.dir() / "d2").string(),
                  &out),
            1);
  EXPECT_THAT(out, HasSubstr("cannot listen here"));
  EXPECT_EQ(serve(model + " --port 70000", &out), 2);  // usage error
}

}  // namespace
}  // namespace calmspace
