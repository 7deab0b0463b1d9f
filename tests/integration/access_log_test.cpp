// The access log never carries a secret from the URL: tokens ride in the paths of /signin, /settings/email/confirm
// and /unsubscribe, so a line names the matched route's pattern, or for a path no route matched only its first
// segment with the rest masked (rules.md #12).

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "integration/signup_test_helpers.h"
#include "support/log_capture.h"
#include "support/test_app.h"

namespace rsolv::test {
namespace {

class AccessLog : public ::testing::TestWithParam<Backend> {};

TEST_P(AccessLog, NoTokenFromAPathReachesTheLog) {
    LogCapture log;
    const std::string token = "Zq7Tk3Xw9LmN2pR5sV8yB1cD4fG6hJ0k";
    {
        TestApp app(GetParam(), signupConfig());
        HttpClient browser(app.port(), app.publicUrl());
        struct Probe {
            std::string method, path;
        };
        const std::vector<Probe> probes = {
            {"GET", "/signin/" + token},                          // the route itself
            {"GET", "/signin/" + token + "/"},                    // a trailing slash: no route matches
            {"GET", "/signin/" + token + "/more"},
            {"PUT", "/signin/" + token},                          // 405: the path exists, the method does not
            {"GET", "/settings/email/confirm/" + token + "/"},
            {"DELETE", "/settings/email/confirm/" + token},
            {"GET", "/unsubscribe/" + token + "/x"},
            {"PATCH", "/unsubscribe/" + token},
            {"GET", "/" + token},                                 // anything else unmatched
            {"GET", "/nothing/" + token + "?t=" + token},
        };
        for (const auto& p : probes) {
            const auto res = browser.request(p.method, p.path, "", "");
            EXPECT_GE(res.status, 200) << p.method << " " << p.path;
        }
    }
    const auto lines = log.lines();
    ASSERT_FALSE(lines.empty()) << "nothing was logged";
    int signin_lines = 0;
    for (const auto& line : lines) {
        EXPECT_EQ(line.find(token.substr(0, 12)), std::string::npos) << "a token reached the log: " << line;
        if (line.find("/signin/") != std::string::npos) ++signin_lines;
    }
    EXPECT_GE(signin_lines, 4) << "the access log should still name the route or the first segment";
}

INSTANTIATE_TEST_SUITE_P(Backends, AccessLog, kBothBackends, backendName);

}  // namespace
}  // namespace rsolv::test
