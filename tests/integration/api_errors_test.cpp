// Bad requests to the customer API on both backends get a clear JSON answer and change nothing (rules.md 10):
// oversized bodies, wrong media types, malformed JSON, unknown or invalid fields, wrong methods and unknown paths.
// Every error body is exactly {"error": {"code", "message", "request_id"}}, served as application/json, never HTML.

#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "integration/api_test_helpers.h"
#include "support/test_app.h"

namespace rsolv::test {
namespace {

constexpr const char* kWidgets = R"({"repository":"acme/widgets","reference":"main"})";

/// The message names the field as "field".
void expectNamesField(const std::string& message, const std::string& field) {
    EXPECT_NE(message.find("\"" + field + "\""), std::string::npos) << "\"" << field << "\" not named in: " << message;
}

int trialFixesUsed(TestApp& app, const std::string& key) {
    const auto r = callApi(app, "GET", "/api/v1/account", key);
    return nlohmann::json::parse(r.body, nullptr, false).value("trial_fixes_used", -1);
}

class ApiErrors : public ::testing::TestWithParam<Backend> {};

TEST_P(ApiErrors, OversizedBodyIs413) {
    TestApp app(GetParam());
    const std::string key = signUpForKey(app, "big@example.com");
    const std::string huge = R"({"repository":"acme/widgets","reference":"main","run_url":"https://x/)" +
                             std::string(1024 * 1024, 'a') + R"("})";
    expectApiError(callApi(app, "POST", "/api/v1/fix-attempts", key, huge), 413, "payload_too_large");
    expectApiError(callApi(app, "POST", "/api/v1/fix-attempts", "", huge), 413, "payload_too_large");
    EXPECT_EQ(app.count("fix_attempts"), 0);
    EXPECT_EQ(trialFixesUsed(app, key), 0);
}

TEST_P(ApiErrors, WrongContentTypeIs415) {
    TestApp app(GetParam());
    const std::string key = signUpForKey(app, "plain@example.com");
    const std::string message =
        expectApiError(callApi(app, "POST", "/api/v1/fix-attempts", key, kWidgets, {}, "text/plain"), 415,
                       "unsupported_media_type");
    EXPECT_NE(message.find("application/json"), std::string::npos) << message;
    expectApiError(callApi(app, "POST", "/api/v1/fix-attempts", key, "repository=acme%2Fwidgets&reference=main", {},
                           "application/x-www-form-urlencoded"),
                   415, "unsupported_media_type");
    expectApiError(callApi(app, "PATCH", "/api/v1/fix-attempts/1", key, R"({"status":"failed","reason":"x"})", {},
                           "text/plain"),
                   415, "unsupported_media_type");
    EXPECT_EQ(app.count("fix_attempts"), 0);

    // Parameters of the right media type are fine.
    EXPECT_EQ(callApi(app, "POST", "/api/v1/fix-attempts", key, kWidgets, {}, "application/json; charset=utf-8").status,
              201);
}

TEST_P(ApiErrors, MalformedJsonIs400NamingTheByte) {
    TestApp app(GetParam());
    const std::string key = signUpForKey(app, "typo@example.com");
    // A semicolon where a comma belongs: the 30th byte (1-based) is the first one that cannot be JSON.
    const std::string body = R"({"repository": "acme/widgets";"reference":"main"})";
    ASSERT_EQ(body[29], ';');
    const std::string message =
        expectApiError(callApi(app, "POST", "/api/v1/fix-attempts", key, body), 400, "malformed_json");
    EXPECT_NE(message.find("at byte 30"), std::string::npos) << message;
    expectApiError(callApi(app, "POST", "/api/v1/fix-attempts", key, "{"), 400, "malformed_json");
    expectApiError(callApi(app, "PATCH", "/api/v1/fix-attempts/1", key, "{\"status\":"), 400, "malformed_json");
    EXPECT_EQ(app.count("fix_attempts"), 0);
}

TEST_P(ApiErrors, InvalidFieldsAre422NamingTheField) {
    TestApp app(GetParam());
    const std::string key = signUpForKey(app, "fields@example.com");

    auto post = [&](const std::string& body) { return callApi(app, "POST", "/api/v1/fix-attempts", key, body); };
    expectNamesField(expectApiError(post(R"({"repository":"acme/widgets","reference":"main","colour":"red"})"), 422,
                                    "unknown_field"),
                     "colour");
    for (const std::string repo : {"not a repo", "owner/", "-bad/x", "/name", "owner/name/extra", "owner/..", ""}) {
        SCOPED_TRACE(repo);
        expectNamesField(expectApiError(post(nlohmann::json{{"repository", repo}, {"reference", "main"}}.dump()), 422,
                                        "invalid_field"),
                         "repository");
    }
    expectNamesField(expectApiError(post(R"({"repository":"acme/widgets"})"), 422, "missing_field"), "reference");
    expectNamesField(expectApiError(post(R"({"reference":"main"})"), 422, "missing_field"), "repository");
    expectNamesField(expectApiError(post(R"({"repository":"acme/widgets","reference":"bad..ref"})"), 422,
                                    "invalid_field"),
                     "reference");
    expectNamesField(expectApiError(post(R"({"repository":"acme/widgets","reference":"main","commit_sha":"XYZ"})"),
                                    422, "invalid_field"),
                     "commit_sha");
    expectNamesField(expectApiError(post(R"({"repository":"acme/widgets","reference":"main","run_url":"http://x"})"),
                                    422, "invalid_field"),
                     "run_url");
    expectApiError(post("[1,2]"), 422, "invalid_body");
    EXPECT_EQ(app.count("fix_attempts"), 0);
    EXPECT_EQ(trialFixesUsed(app, key), 0);

    const auto created = post(kWidgets);
    ASSERT_EQ(created.status, 201) << created.body;
    const std::string path =
        "/api/v1/fix-attempts/" + std::to_string(nlohmann::json::parse(created.body).value("id", std::int64_t(0)));
    auto patch = [&](const std::string& body) { return callApi(app, "PATCH", path, key, body); };
    expectNamesField(expectApiError(patch(R"({"status":"succeeded"})"), 422, "invalid_field"), "pull_request_url");
    expectNamesField(expectApiError(patch(R"({"status":"failed"})"), 422, "missing_field"), "reason");
    expectNamesField(expectApiError(patch(R"({"status":"done"})"), 422, "invalid_field"), "status");
    expectNamesField(expectApiError(patch(R"({"status":"failed","reason":"x","extra":1})"), 422, "unknown_field"),
                     "extra");
    EXPECT_EQ(nlohmann::json::parse(callApi(app, "GET", path, key).body).value("status", ""), "running");
    EXPECT_EQ(trialFixesUsed(app, key), 1);
}

TEST_P(ApiErrors, WrongMethodIs405WithAllow) {
    TestApp app(GetParam());
    const std::string key = signUpForKey(app, "method@example.com");
    const auto r = callApi(app, "DELETE", "/api/v1/account", key);
    expectApiError(r, 405, "method_not_allowed");
    EXPECT_NE(r.header("allow").find("GET"), std::string::npos) << "Allow: " << r.header("allow");
    const auto put = callApi(app, "PUT", "/api/v1/fix-attempts", key, kWidgets);
    expectApiError(put, 405, "method_not_allowed");
    EXPECT_NE(put.header("allow").find("POST"), std::string::npos) << "Allow: " << put.header("allow");
    EXPECT_EQ(app.count("fix_attempts"), 0);
}

TEST_P(ApiErrors, UnknownApiPathIs404Json) {
    TestApp app(GetParam());
    const std::string key = signUpForKey(app, "lost@example.com");
    expectApiError(callApi(app, "GET", "/api/v1/nope", key), 404, "not_found");
    expectApiError(callApi(app, "GET", "/api/v1/nope", ""), 404, "not_found");
    expectApiError(callApi(app, "POST", "/api/v2/fix-attempts", key, kWidgets), 404, "not_found");
}

TEST_P(ApiErrors, OpenApiDocumentIsServed) {
    TestApp app(GetParam());
    const auto r = callApi(app, "GET", "/api/v1/openapi.json", "");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.header("content-type").substr(0, 16), "application/json");
    const auto doc = nlohmann::json::parse(r.body, nullptr, false);
    EXPECT_EQ(doc.value("openapi", ""), "3.1.0");
}

INSTANTIATE_TEST_SUITE_P(Backends, ApiErrors, kBothBackends, backendName);

}  // namespace
}  // namespace rsolv::test
