#include "fuzz/scratch_dir.h"

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <system_error>

namespace calmspace::fuzz {

namespace {

std::filesystem::path make_dir() {
  std::error_code ec;
  std::filesystem::path base = std::filesystem::temp_directory_path(ec);
  if (ec) base = "/tmp";
  std::string pattern = (base / "calmspace-fuzz-XXXXXX").string();
  if (!mkdtemp(pattern.data())) throw std::runtime_error("fuzz: cannot create " + pattern);
  return pattern;
}

struct Remover {
  std::filesystem::path dir;
  ~Remover() {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
};

}  // namespace

const std::filesystem::path& scratch_dir() {
  static const Remover remover{make_dir()};
  return remover.dir;
}

std::string write_scratch_file(const std::string& name, std::span<const std::uint8_t> bytes) {
  std::string path = (scratch_dir() / name).string();
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("fuzz: cannot write " + path);
  return path;
}

}  // namespace calmspace::fuzz
