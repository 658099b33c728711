#include "serve/personal_routes.h"

#include "core/base/error.h"
#include "serve/json_response.h"

namespace calmspace::serve {
namespace {

void put_active(PersonalModel& personal, const httplib::Request& req, httplib::Response& res) {
  const nlohmann::json body = nlohmann::json::parse(req.body, nullptr, /*allow_exceptions=*/false);
  const std::string model =
      body.is_object() && body.contains("model") && body["model"].is_string() ? body["model"] : "";
  if (model != "base" && model != "personal")
    return send_error(res, 400,
                      R"(expected a JSON body {"model": "base"} or {"model": "personal"})");
  try {
    personal.use(model == "personal" ? ModelKind::personal : ModelKind::base);
  } catch (const InputError& e) {  // no personal model to use (409), or model.json unwritable
    return send_error(res, e.subject() == "model" ? 409 : 500, e.reason());
  }
  send_json(res, 200, personal.status());
}

}  // namespace

void add_personal_routes(httplib::Server& server, PersonalModel& personal) {
  server.Get("/api/personal", [&personal](const httplib::Request&, httplib::Response& res) {
    send_json(res, 200, personal.status());
  });
  server.Post("/api/personal/train", [&personal](const httplib::Request&, httplib::Response& res) {
    try {
      personal.start_training();
    } catch (const InputError& e) {
      return send_error(res, e.subject() == "training" ? 409 : 400, e.reason());
    }
    send_json(res, 202, personal.status());
  });
  server.Put("/api/personal/active",
             [&personal](const httplib::Request& req, httplib::Response& res) {
               put_active(personal, req, res);
             });
  server.Delete("/api/personal", [&personal](const httplib::Request&, httplib::Response& res) {
    try {
      personal.forget();
    } catch (const InputError& e) {
      return send_error(res, 409, e.reason());
    }
    send_json(res, 200, personal.status());
  });
}

}  // namespace calmspace::serve
