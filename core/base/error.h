// Errors with context. Two kinds:
//  - InputError: something the user gave us is bad (a file, a config key, a value). Its message is
//    one line meant for the user: "<what>: <reason>", e.g. "clip.wav: not a sound file (...)".
//  - Error: an internal check failed. CALMSPACE_CHECK adds the expression, file and line.
// The library throws; only programs in tools/ print and choose an exit code.
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>

namespace calmspace {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

// A problem with user input; `subject` names the input (a path, a config key, ...).
class InputError : public Error {
 public:
  InputError(std::string subject, const std::string& reason)
      : Error(subject + ": " + reason), subject_(std::move(subject)), reason_(reason) {}
  const std::string& subject() const { return subject_; }
  const std::string& reason() const { return reason_; }

 private:
  std::string subject_;
  std::string reason_;
};

// Concatenates any streamable values: cat("n_mels=", 64, " too large").
template <class... Args>
std::string cat(const Args&... args) {
  std::ostringstream out;
  (out << ... << args);
  return out.str();
}

namespace detail {
[[noreturn]] void fail_check(const char* expression, const char* file, int line,
                             const std::string& message);
}  // namespace detail

}  // namespace calmspace

// CALMSPACE_CHECK(cond, message parts...): throws calmspace::Error naming the failed expression,
// the file and line, and the message.
#define CALMSPACE_CHECK(cond, ...)                                                      \
  do {                                                                                  \
    if (!(cond)) {                                                                      \
      ::calmspace::detail::fail_check(#cond, __FILE__, __LINE__,                        \
                                      ::calmspace::cat("" __VA_OPT__(, ) __VA_ARGS__)); \
    }                                                                                   \
  } while (0)
