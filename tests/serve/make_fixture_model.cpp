// serve_fixture_model OUT.h5 [--speaker-norm]: writes the API tests' tiny model (random weights,
// the eight RAVDESS labels) and its card OUT.md, for the browser end-to-end test; with
// --speaker-norm, the variant that takes a voice's statistics (voice enrolment).
#include <cstdio>
#include <exception>
#include <string>

#include "serve/serve_fixtures.h"

int main(int argc, char** argv) {
  const bool speaker_norm = argc == 3 && std::string(argv[2]) == "--speaker-norm";
  if (argc != 2 && !speaker_norm) {
    std::fprintf(stderr, "usage: serve_fixture_model OUT.h5 [--speaker-norm]\n");
    return 2;
  }
  try {
    calmspace::testing::write_fixture_model(
        argv[1],
        "# Test model\n\nRandom weights for the browser test: its predictions mean nothing.\n",
        speaker_norm);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "serve_fixture_model: %s\n", e.what());
    return 1;
  }
  return 0;
}
