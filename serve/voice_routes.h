// Voice enrolment's API (voice_profile.h; bodies JSON, errors {"error": message}):
//   GET    /api/voice  -> status: {supported, why_not, enrolled, seconds, recordings, enrolled_at,
//                         source, prompt, min_seconds, label[, note]} (voice_profile.h)
//   POST   /api/voice  a multipart form with the reading in field "audio" (one file or several)
//                      -> 200 status, the voice enrolled (replacing any earlier one); or a JSON
//                      body {"analyses": [id, ...]}: recordings of the history instead (each
//                      once; at most 20 recordings either way). 400 too short or too quiet, bad
//                      body or unknown analysis; 409 the model cannot take a
//                      voice (why_not); 413 over the memory budget; 415 not decodable audio
//   DELETE /api/voice  -> 200 status, the voice forgotten (the plain models answer again)
// Each analysis says whether the voice was folded into the model that answered ("enrolled").
#pragma once

#include <httplib.h>

#include "serve/api_routes.h"
#include "serve/voice_profile.h"

namespace calmspace::serve {

// Registers the routes above; `voice` and `ctx` must outlive the server.
void add_voice_routes(httplib::Server& server, VoiceProfile& voice, ApiContext& ctx);

}  // namespace calmspace::serve
