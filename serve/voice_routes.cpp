#include "serve/voice_routes.h"

#include <algorithm>
#include <vector>

#include "core/audio/decode.h"
#include "core/base/error.h"
#include "serve/json_response.h"

namespace calmspace::serve {
namespace {

// The most recordings one enrolment takes (a reading is one; a few from the history do).
constexpr std::size_t kMaxVoiceRecordings = 20;

struct Recording {
  std::string name, bytes;
};

// What one enrolment request brings: the files of a form ("reading"), or recordings of the
// history, each once ("history"); or the message of a 400.
struct VoiceRequest {
  std::vector<Recording> recordings;
  std::string source, error;
};

VoiceRequest read_request(ApiContext& ctx, const httplib::Request& req) {
  VoiceRequest out;
  const std::string too_many = cat("at most ", kMaxVoiceRecordings, " recordings make a voice");
  if (req.is_multipart_form_data()) {
    out.source = "reading";
    const auto [first, last] = req.files.equal_range("audio");
    for (auto it = first; it != last; ++it)
      out.recordings.push_back({display_name(it->second.filename), it->second.content});
    if (out.recordings.empty()) out.error = "expected the reading in the multipart field 'audio'";
    if (out.recordings.size() > kMaxVoiceRecordings) out.error = too_many;
    return out;
  }
  out.source = "history";
  const nlohmann::json body = nlohmann::json::parse(req.body, nullptr, /*allow_exceptions=*/false);
  if (!body.is_object() || !body.contains("analyses") || !body["analyses"].is_array() ||
      body["analyses"].empty()) {
    out.error = R"(expected a multipart form with the reading in field 'audio', or a JSON body )"
                R"({"analyses": [id, ...]})";
    return out;
  }
  std::vector<std::int64_t> ids;
  for (const auto& id : body["analyses"]) {
    if (!id.is_number_integer()) {
      out.error = cat("no analysis with id '", id.dump().substr(0, 40), "'");
      return out;
    }
    if (std::find(ids.begin(), ids.end(), id.get<std::int64_t>()) == ids.end())
      ids.push_back(id.get<std::int64_t>());  // each recording counts once
    if (ids.size() > kMaxVoiceRecordings) {
      out.error = too_many;
      return out;
    }
  }
  for (const std::int64_t id : ids) {
    auto audio = ctx.store.audio(id);
    if (!audio) {
      out.error = cat("no analysis with id '", id, "'");
      return out;
    }
    out.recordings.push_back({cat("analysis ", id), std::move(audio->bytes)});
  }
  return out;
}

std::span<const std::byte> bytes_of(const std::string& s) {
  return {reinterpret_cast<const std::byte*>(s.data()), s.size()};
}

void post_voice(VoiceProfile& voice, ApiContext& ctx, const httplib::Request& req,
                httplib::Response& res) {
  if (const auto why = ctx.models.why_not_enrol(); !why.empty()) return send_error(res, 409, why);
  const VoiceRequest request = read_request(ctx, req);
  if (!request.error.empty()) return send_error(res, 400, request.error);

  AudioOptions options = ctx.models.base().config().audio;
  options.max_duration_s = ctx.options.max_duration_s;
  options.max_duration_name = "--max-seconds";
  // Held while decoding recording k: the request's bytes, the samples of those before it (4 bytes
  // each), and recording k's decoding (up to 48 kHz mono input beside its 16 kHz output: 20 bytes
  // per output sample, an upload's figure in api_routes.h). Decoded one at a time.
  std::int64_t request_bytes = 0;
  for (const Recording& r : request.recordings)
    request_bytes += static_cast<std::int64_t>(r.bytes.size());
  MemoryBudget::Reservation reserved(ctx.memory, 0);
  std::vector<std::vector<float>> samples;
  std::int64_t kept = 0;
  for (const Recording& r : request.recordings) {
    const std::int64_t need =
        request_bytes + kept + 20 * expected_decoded_samples(bytes_of(r.bytes), r.name, options);
    if (!reserved.resize(need))
      return send_error(res, 413,
                        cat("enrolling from these recordings needs about ", (need >> 20) + 1,
                            " MB, more than the server's memory budget of ",
                            ctx.memory.total() >> 20, " MB (--max-memory-mb)"));
    try {
      samples.push_back(decode_audio(bytes_of(r.bytes), r.name, options).samples);
    } catch (const InputError& e) {
      return send_error(res, 415, e.what());
    }
    kept += 4 * static_cast<std::int64_t>(samples.back().size());
  }
  reserved.resize(request_bytes + kept);
  try {
    voice.enrol(samples, request.source);
  } catch (const InputError& e) {
    return send_error(res, e.subject() == "voice" ? 400 : 500, e.reason());
  }
  send_json(res, 200, voice.status());
}

}  // namespace

void add_voice_routes(httplib::Server& server, VoiceProfile& voice, ApiContext& ctx) {
  server.Get("/api/voice", [&voice](const httplib::Request&, httplib::Response& res) {
    send_json(res, 200, voice.status());
  });
  server.Post("/api/voice", [&voice, &ctx](const httplib::Request& req, httplib::Response& res) {
    post_voice(voice, ctx, req, res);
  });
  server.Delete("/api/voice", [&voice](const httplib::Request&, httplib::Response& res) {
    voice.forget();
    send_json(res, 200, voice.status());
  });
}

}  // namespace calmspace::serve
