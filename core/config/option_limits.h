// Upper bounds on option values (issue 20): each number is checked once, where its section is
// validated, so that a value no recipe could mean (train.lr=1e30, features.win_ms=1e12) is an
// error naming the key, the limit and the unit, not a hang, an allocation failure or a NaN later.
#pragma once

#include <string>

namespace calmspace {

// Throws InputError(key, "<value> is above the limit of <limit><unit>") unless value <= limit
// (NaN fails too). `unit` starts with its space: " ms", " bands", or "" for none.
void check_at_most(double value, double limit, const std::string& key, const char* unit);

}  // namespace calmspace
