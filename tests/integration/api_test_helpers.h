#pragma once
// Helpers of the API suites (api_auth, api_errors, api_fix_attempts): a key from the real signup flow, calls made as
// the GitHub Action makes them, and the one error shape the OpenAPI document promises.

#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "support/test_app.h"

namespace rsolv::test {

/// Signs up through the browser flow and returns the key the welcome page shows once.
inline std::string signUpForKey(TestApp& app, const std::string& email) {
    HttpClient browser(app.port(), app.publicUrl());
    const auto res = browser.signup(email, "Api Tester");
    EXPECT_EQ(res.status, 303) << res.body;
    const std::string key = findApiKey(browser.get("/welcome").body);
    EXPECT_FALSE(key.empty()) << "no API key on /welcome after signing up " << email;
    return key;
}

/// A call as the GitHub Action makes it: no cookies, no Origin, `Authorization: Bearer <key>` unless `key` is empty,
/// and a body (of `content_type`) if any.
inline HttpResponse callApi(TestApp& app, const std::string& method, const std::string& path, const std::string& key,
                            const std::string& body = "", std::map<std::string, std::string> headers = {},
                            const std::string& content_type = "application/json") {
    HttpClient client(app.port(), app.publicUrl());
    client.sendOrigin = false;
    if (!key.empty()) headers.emplace("Authorization", "Bearer " + key);
    return client.request(method, path, body, body.empty() ? "" : content_type, headers);
}

inline nlohmann::json jsonOf(const HttpResponse& r) {
    auto j = nlohmann::json::parse(r.body, nullptr, false);
    if (j.is_discarded()) ADD_FAILURE() << "not JSON (status " << r.status << "): " << r.body;
    return j;
}

/// Asserts an API error as the OpenAPI document promises it: the status, a JSON content type (never an HTML page,
/// with nosniff) and exactly {"error": {"code", "message", "request_id"}} with that code, a message, and the
/// response's X-Request-Id. Returns the message.
inline std::string expectApiError(const HttpResponse& r, int status, const std::string& code) {
    EXPECT_EQ(r.status, status) << r.body;
    EXPECT_EQ(r.header("content-type").substr(0, 16), "application/json") << r.body;
    EXPECT_EQ(r.body.find("<html"), std::string::npos) << r.body;
    EXPECT_EQ(r.header("x-content-type-options"), "nosniff");
    const auto body = jsonOf(r);
    if (!body.is_object() || body.size() != 1 || !body.contains("error") || !body["error"].is_object()) {
        ADD_FAILURE() << "not {\"error\": {...}}: " << r.body;
        return {};
    }
    const auto& e = body["error"];
    EXPECT_EQ(e.size(), 3u) << r.body;
    for (const char* field : {"code", "message", "request_id"})
        EXPECT_TRUE(e.contains(field) && e[field].is_string()) << field << " in " << r.body;
    EXPECT_EQ(e.value("code", ""), code) << r.body;
    EXPECT_FALSE(e.value("message", "").empty()) << r.body;
    EXPECT_EQ(e.value("request_id", ""), r.header("x-request-id")) << r.body;
    return e.value("message", "");
}

}  // namespace rsolv::test
