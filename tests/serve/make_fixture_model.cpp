// serve_fixture_model OUT.h5: writes the API tests' tiny model (random weights, the eight RAVDESS
// labels) and its card OUT.md, for the browser end-to-end test.
#include <cstdio>
#include <exception>

#include "serve/serve_fixtures.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: serve_fixture_model OUT.h5\n");
    return 2;
  }
  try {
    calmspace::testing::write_fixture_model(
        argv[1],
        "# Test model\n\nRandom weights for the browser test: its predictions mean nothing.\n");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "serve_fixture_model: %s\n", e.what());
    return 1;
  }
  return 0;
}
