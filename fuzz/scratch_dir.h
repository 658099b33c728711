// A private folder per fuzzing process (under $TMPDIR, removed at exit) for the targets whose entry
// point takes a path: each input is written to a file there first.
#pragma once

#include <filesystem>
#include <span>
#include <string>

namespace calmspace::fuzz {

// The folder, created on first use.
const std::filesystem::path& scratch_dir();
// Writes `bytes` to scratch_dir()/name (replacing it) and returns the path.
std::string write_scratch_file(const std::string& name, std::span<const std::uint8_t> bytes);

}  // namespace calmspace::fuzz
