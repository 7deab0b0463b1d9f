// Issue 9 on both backends: an API key never appears in any log line. Every line the service writes (access log,
// error log, job worker) is captured through the service's own logger, in text and JSON formats, during a run that
// uses keys where clients put them (headers), where they must not (the URL), and in error paths (bad checksum,
// revoked key, an unmatched path, a key in a body field, a key in an Idempotency-Key). Without the masking in
// domain::maskApiKeys or in the log formatter this test fails.

#include <gtest/gtest.h>

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <sstream>
#include <string>
#include <vector>

#include "common/logging.h"
#include "domain/api_key.h"
#include "integration/api_test_helpers.h"
#include "integration/dashboard_test_helpers.h"
#include "support/test_app.h"

namespace rsolv::test {
namespace {

/// Sends every line of the service's logger to a string for the life of the object, then puts the old logger back.
class CapturedLog {
public:
    explicit CapturedLog(logging::Format format) : previous_(spdlog::default_logger()) {
        logging::init(format, "trace", domain::maskApiKeys, std::make_shared<spdlog::sinks::ostream_sink_mt>(out_, true));
    }
    ~CapturedLog() { spdlog::set_default_logger(previous_); }
    std::string text() const { return out_.str(); }

private:
    std::shared_ptr<spdlog::logger> previous_;
    std::ostringstream out_;
};

/// A key with one character changed: well-formed, but its checksum no longer matches.
std::string withBadChecksum(std::string key) {
    key[10] = key[10] == 'A' ? 'B' : 'A';
    return key;
}

/// Runs requests that carry `keys` in every way the issue lists; `keys` gains the keys the run creates.
void exerciseKeys(TestApp& app, std::vector<std::string>& keys, const std::string& email) {
    auto c = signUpCustomer(app, email);
    keys.push_back(c.key);
    drainJobs(app);  // the welcome email carries the key (welcome_email_includes_key)

    // A second key, shown once in the dashboard, then revoked.
    const auto created = submitForm(c.browser, "/dashboard/keys", "/dashboard/keys", {{"name", "second"}});
    ASSERT_EQ(created.status, 303) << created.body.substr(0, 300);
    const std::string second = newApiKeyOn(follow(app, c.browser, created).body);
    ASSERT_FALSE(second.empty());
    keys.push_back(second);
    const auto ids = keyIdsOn(c.browser.get("/dashboard/keys").body);
    ASSERT_FALSE(ids.empty());
    const std::string revoke = "/dashboard/keys/" + std::to_string(ids.front()) + "/revoke";
    c.browser.postForm(revoke, {{"csrf_token", csrfOf(c.browser.get(revoke).body)}});

    for (const auto& key : keys) {
        apiCall(app, "GET", "/api/v1/account", key);                                       // Authorization header
        callApi(app, "GET", "/api/v1/account", "", "", {{"X-API-Key", key}});              // X-API-Key
        callApi(app, "GET", "/api/v1/account?api_key=" + key, "");                         // in the query: 400
        callApi(app, "GET", "/api/v1/fix-attempts/" + key, key);                           // in a matched path: 400
        callApi(app, "GET", "/api/v1/" + key, key);                                        // unmatched path: 404
        callApi(app, "GET", "/api/v1/" + key + "/x?key=" + key, "");                        // unmatched, with a query
        HttpClient(app.port(), app.publicUrl()).get("/" + key);                           // unmatched HTML page
        HttpClient(app.port(), app.publicUrl()).get("/signin/" + key);                    // a token route
        callApi(app, "GET", "/api/v1/account", withBadChecksum(key));                      // bad checksum: 401
        callApi(app, "GET", "/api/v1/account", "", "", {{"Authorization", "Basic " + key}});  // wrong scheme: 401
        callApi(app, "GET", "/api/v1/account", key.substr(0, 30));                         // truncated: 401
        callApi(app, "GET", "/api/v1/account", key + key);                                 // run-on: 401
        callApi(app, "POST", "/api/v1/fix-attempts", key, R"({"repository":")" + key + R"(","reference":"main"})");
        callApi(app, "POST", "/api/v1/fix-attempts", key, R"({")" + key + R"(":1e99999})");  // the JSON error path
        callApi(app, "POST", "/api/v1/fix-attempts", key, R"({"repository":"a/b","reference":"main"})",
                {{"Idempotency-Key", key}});
    }
    // Whatever a future line might write: the formatter masks it too.
    spdlog::warn("a client sent {} and {}", keys.front(), "rsolv_" + keys.back().substr(6, 20));
}

/// Every 12-character window of a key's random part: even a slice of a key narrows the search for the rest.
std::vector<std::string> slicesOf(const std::string& key) {
    std::vector<std::string> out;
    for (size_t i = domain::kApiKeyPrefix.size(); i + 12 <= key.size(); ++i) out.push_back(key.substr(i, 12));
    return out;
}

void expectNoKeyIn(const std::string& log, const std::vector<std::string>& keys) {
    std::istringstream lines(log);
    std::string line;
    int n = 0;
    while (std::getline(lines, line)) {
        ++n;
        for (const auto& key : keys) {
            const std::string bad = withBadChecksum(key);
            for (const auto& k : {key, bad})
                for (const auto& slice : slicesOf(k))
                    if (line.find(slice) != std::string::npos) {
                        ADD_FAILURE() << "a log line holds part of a key (" << slice << "):\n" << line;
                        return;
                    }
        }
    }
    EXPECT_GT(n, 40) << "the run logged too little for this test to mean anything:\n" << log;
}

class LogSecrets : public ::testing::TestWithParam<Backend> {};

TEST_P(LogSecrets, NoApiKeyInAnyLogLine) {
    for (const auto format : {logging::Format::Text, logging::Format::Json}) {
        std::vector<std::string> keys;
        std::string log;
        {
            CapturedLog captured(format);
            TestApp app(GetParam(), dashboardConfig([](app::Config& c) { c.welcome_email_includes_key = true; }));
            exerciseKeys(app, keys, format == logging::Format::Text ? "text-log@example.com" : "json-log@example.com");
            log = captured.text();
        }
        ASSERT_GE(keys.size(), 2u);
        expectNoKeyIn(log, keys);
        // The masked forms are there: the lines were captured, and they say which key without revealing it.
        EXPECT_TRUE(contains(log, domain::displayIdOf(keys.front()))) << log.substr(0, 3000);
    }
}

INSTANTIATE_TEST_SUITE_P(Backends, LogSecrets, kBothBackends, backendName);

}  // namespace
}  // namespace rsolv::test
