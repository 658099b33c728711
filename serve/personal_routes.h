// The personal model's API (personal_model.h; all bodies JSON, errors {"error": message}):
//   GET    /api/personal          -> status: {corrections, needed, can_train, why_not, active,
//                                    model: null or {trained_at, corrections, held_out,
//                                    base_right, personal_right, base_ua, personal_ua, ...},
//                                    training: {state, stage, epoch, epochs, error}}
//   POST   /api/personal/train    -> 202 status, a training started in the background; 409 when
//                                    one runs, 400 when it cannot (too few corrections, ...)
//   PUT    /api/personal/active   {"model": "base" | "personal"} -> 200 status; 400 bad body,
//                                    409 no personal model
//   DELETE /api/personal          -> 200 status, the personal model deleted (base in use);
//                                    409 while a training runs
#pragma once

#include <httplib.h>

#include "serve/personal_model.h"

namespace calmspace::serve {

// Registers the routes above; `personal` must outlive the server.
void add_personal_routes(httplib::Server& server, PersonalModel& personal);

}  // namespace calmspace::serve
