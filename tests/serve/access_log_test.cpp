// The server's access log: one Common Log Format line per request, written as it finishes,
// hostile paths kept on one line, nothing written when it is off.
#include "serve/access_log.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <regex>
#include <sstream>

#include "serve/server_harness.h"
#include "support/test_support.h"

namespace calmspace {
namespace {

using ::testing::HasSubstr;

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(AccessLog, ALineIsTheCommonLogFormatWithTheDuration) {
  httplib::Request req;
  req.method = "GET";
  req.path = "/api/analyses";
  req.version = "HTTP/1.1";
  req.remote_addr = "127.0.0.1";
  httplib::Response res;
  res.status = 200;
  res.body = "12345";
  EXPECT_EQ(serve::access_log_line(req, res, 0.0123, 1796448912),
            "127.0.0.1 - - [05/Dec/2026:05:35:12 +0000] \"GET /api/analyses HTTP/1.1\" 200 5 "
            "0.012");
  req.path = "/x\"\n\\y";  // a hostile path stays one line
  const std::string line = serve::access_log_line(req, res, 0, 0);
  EXPECT_EQ(line.find('\n'), std::string::npos);
  EXPECT_THAT(line, HasSubstr("\"GET /x\\x22\\x0a\\x5cy HTTP/1.1\""));
}

TEST(AccessLog, TheServerLogsEveryFinishedRequest) {
  testing::ScratchDir logs;
  const std::filesystem::path log = logs / "access.log";
  std::string text;
  {
    testing::ServerHarness server(8u << 20,
                                  [&](serve::ServerOptions& o) { o.access_log = log.string(); });
    auto c = server.client();
    ASSERT_TRUE(c.Get("/api/model"));
    ASSERT_TRUE(c.Get("/no/such/page"));
  }  // the server has stopped and joined its threads: every line is written
  text = read_text(log);
  const std::regex line(
      R"(127\.0\.0\.1 - - \[\d\d/\w{3}/\d{4}:\d\d:\d\d:\d\d \+0000\] "GET (\S+) HTTP/1\.1" (\d{3}) \d+ \d+\.\d{3})");
  std::vector<std::pair<std::string, std::string>> seen;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) {
    std::smatch m;
    ASSERT_TRUE(std::regex_match(l, m, line)) << l;
    seen.emplace_back(m[1], m[2]);
  }
  ASSERT_EQ(seen.size(), 2u) << text;
  std::sort(seen.begin(), seen.end());  // written as each finishes, not in request order
  EXPECT_EQ(seen[0], std::make_pair(std::string("/api/model"), std::string("200")));
  EXPECT_EQ(seen[1], std::make_pair(std::string("/no/such/page"), std::string("404")));
}

TEST(AccessLog, OffWritesNothingAndAnUnwritablePathIsNamed) {
  const serve::AccessLog off("");
  EXPECT_FALSE(off.enabled());
  EXPECT_THROW(serve::AccessLog("/no/such/dir/access.log"), InputError);
}

}  // namespace
}  // namespace calmspace
