#include "core/base/error.h"

namespace calmspace::detail {

void fail_check(const char* expression, const char* file, int line, const std::string& message) {
  throw Error(cat("internal check failed: ", expression, message.empty() ? "" : " (", message,
                  message.empty() ? "" : ")", " at ", file, ":", line));
}

}  // namespace calmspace::detail
