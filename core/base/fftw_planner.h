// FFTW's planner (plan creation and destruction) is not thread-safe: every stage that plans an
// FFTW transform (features' RealFft, audio's convolution) takes this one process-wide mutex.
#pragma once

#include <mutex>

namespace calmspace {

std::mutex& fftw_planner_mutex();

}  // namespace calmspace
