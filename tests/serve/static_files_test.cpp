// The page's files are served from the web folder only: `..`, encoded `..` (%2e%2e, %2f, %5c,
// double-encoded), hidden files, absolute paths and symbolic links out of the folder never read
// anything outside it.
#include "serve/static_files.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "serve/server_harness.h"

namespace calmspace {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(StaticFiles, PageFilesAreServedWithTheirTypes) {
  testing::ServerHarness server;
  auto c = server.client();
  const auto index = c.Get("/");
  ASSERT_TRUE(index);
  EXPECT_EQ(index->status, 200);
  EXPECT_THAT(index->body, HasSubstr("<title>CalmSpace</title>"));
  EXPECT_EQ(index->get_header_value("Content-Type"), "text/html; charset=utf-8");
  EXPECT_THAT(index->get_header_value("Content-Security-Policy"), HasSubstr("default-src 'self'"));
  const auto js = c.Get("/app.js");
  ASSERT_TRUE(js);
  EXPECT_EQ(js->status, 200);
  EXPECT_EQ(js->get_header_value("Content-Type"), "text/javascript; charset=utf-8");
  const auto css = c.Get("/css/style.css");
  ASSERT_TRUE(css);
  EXPECT_EQ(css->status, 200);
  EXPECT_EQ(css->get_header_value("Content-Type"), "text/css; charset=utf-8");
  const auto chart = c.Get(serve::kChartJsUrl);  // the harness serves app.js as "Chart.js"
  ASSERT_TRUE(chart);
  EXPECT_EQ(chart->status, 200);
  EXPECT_EQ(chart->body, "export const x = 1;\n");
}

TEST(StaticFiles, PathsThatTryToEscapeTheWebFolderAreNotFound) {
  testing::ServerHarness server;
  for (const char* target : {"/../secret.txt",
                             "/../secret.js",
                             "/%2e%2e/secret.js",
                             "/%2E%2E/secret.js",
                             "/..%2fsecret.js",
                             "/%2e%2e%2fsecret.js",
                             "/css/../../secret.js",
                             "/css/%2e%2e/%2e%2e/secret.js",
                             "/..%5csecret.js",
                             "/%5c..%5csecret.js",
                             "/%252e%252e/secret.js",
                             "//secret.js",
                             "/.hidden.js",
                             "/link.js",
                             "/css/",
                             "/css",
                             "/%00secret.js",
                             "/app.js%00.html",
                             "/./app.js",
                             "/etc/passwd",
                             "//etc/passwd",
                             "/%2fetc%2fpasswd",
                             "/..",
                             "/.%2e/secret.js",
                             "/api/../secret.js",
                             "/api/analyses/../../secret.js"}) {
    std::string body;
    const int status = testing::raw_http(server.port(), "GET", target, &body);
    EXPECT_TRUE(status == 404 || status == 400) << target << " -> " << status;
    EXPECT_THAT(body, Not(HasSubstr(testing::kSecret))) << target;
    EXPECT_THAT(body, Not(HasSubstr("root:"))) << target;
    if (status != 0) {
      EXPECT_THAT(body, HasSubstr("\"error\"")) << target;
    }
  }
  std::string body;
  EXPECT_EQ(testing::raw_http(server.port(), "GET", "/app.js", &body), 200);  // the control
}

TEST(StaticFiles, ResolveAcceptsOnlyPlainNamesInsideTheRoot) {
  testing::ServerHarness server;
  const std::string web = (server.dir() / "web").string();
  EXPECT_TRUE(serve::resolve_static(web, "/"));
  EXPECT_TRUE(serve::resolve_static(web, "/css/style.css"));
  for (const char* bad :
       {"", "app.js", "/../secret.js", "/css/../app.js", "/./app.js", "/.hidden.js", "/link.js",
        "/css//style.css", "/a\\b.js", "/nothing.js", "/model.h5", "/index.htm"})
    EXPECT_FALSE(serve::resolve_static(web, bad)) << bad;
  EXPECT_EQ(serve::static_mime_type("x.exe"), "");
}

}  // namespace
}  // namespace calmspace
