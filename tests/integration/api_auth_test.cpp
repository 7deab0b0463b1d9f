// The customer API's key check end to end on both backends: a key works the moment signup shows it; revoked,
// expired, malformed and unknown keys, suspended accounts, cookies and keys in the URL are refused; the per-key
// sliding window; the first-call event and the throttled last_used_at.

#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "domain/api_key.h"
#include "storage/api_key_repository.h"
#include "storage/database.h"
#include "storage/event_repository.h"
#include "integration/api_test_helpers.h"
#include "support/test_app.h"

namespace rsolv::test {
namespace {

using namespace std::chrono_literals;
using storage::inTransaction;
using storage::Transaction;
using storage::TxMode;

// Statement caches key on the query text's address: these constants give each one a stable address.
constexpr storage::Query kRevokeKey{"UPDATE api_keys SET revoked_at = $2 WHERE key_hash = $1"};
constexpr storage::Query kExpireKey{"UPDATE api_keys SET expires_at = $2 WHERE key_hash = $1"};
constexpr storage::Query kSuspendOwner{
    "UPDATE customers SET status = 'suspended' WHERE id = (SELECT customer_id FROM api_keys WHERE key_hash = $1)"};

void expectBearerChallenge(const HttpResponse& r) {
    EXPECT_EQ(r.header("www-authenticate").rfind("Bearer", 0), 0u) << "WWW-Authenticate: " << r.header("www-authenticate");
}

void execSql(TestApp& app, const storage::Query& query, const storage::Params& params) {
    inTransaction(app.db(), TxMode::Write, [&](Transaction& tx) { tx.exec(query, params); });
}

std::optional<Timestamp> lastUsedAt(TestApp& app, const std::string& key) {
    app.app().flushApiUsage();  // written in the background, in batches (issue 11)
    return inTransaction(app.db(), TxMode::Read, [&](Transaction& tx) {
        const auto k = storage::ApiKeyRepository(tx).findByHash(domain::hashApiKey(key));
        EXPECT_TRUE(k) << "the key is not in the database";
        return k ? k->last_used_at : std::nullopt;
    });
}

int eventsFor(TestApp& app, const std::string& type, std::int64_t customer_id) {
    app.app().flushApiUsage();  // the first-call event is written in the background, in batches (issue 11)
    const auto events = inTransaction(app.db(), TxMode::Read, [&](Transaction& tx) {
        return storage::EventRepository(tx).listByType(type, 1000);
    });
    int n = 0;
    for (const auto& e : events) n += e.customer_id == customer_id;
    return n;
}

/// The same key with one character of its random part changed: the checksum no longer matches.
std::string withBadChecksum(std::string key) {
    key[domain::kApiKeyPrefix.size() + 3] = key[domain::kApiKeyPrefix.size() + 3] == 'A' ? 'B' : 'A';
    return key;
}

// ---------------------------------------------------------------------------------------------------------------

class ApiKeyAuth : public ::testing::TestWithParam<Backend> {};

TEST_P(ApiKeyAuth, KeyWorksImmediatelyAfterProvisioning) {
    TestApp app(GetParam());
    const std::string key = signUpForKey(app, "first.call@example.com");
    ASSERT_TRUE(domain::isWellFormedApiKey(key)) << key;

    const auto bearer = callApi(app, "GET", "/api/v1/account", key);
    ASSERT_EQ(bearer.status, 200) << bearer.body;
    EXPECT_EQ(bearer.header("content-type").substr(0, 16), "application/json");
    EXPECT_EQ(bearer.header("cache-control"), "no-store");
    const auto account = jsonOf(bearer);
    EXPECT_EQ(account.value("plan", ""), "trial") << bearer.body;
    EXPECT_EQ(account.value("trial_fixes_limit", -1), 10) << bearer.body;
    EXPECT_EQ(account.value("trial_fixes_used", -1), 0) << bearer.body;
    EXPECT_EQ(account.value("trial_fixes_remaining", -1), 10) << bearer.body;
    EXPECT_GT(account.value("customer_id", std::int64_t(0)), 0) << bearer.body;

    const auto header = callApi(app, "GET", "/api/v1/account", "", "", {{"X-API-Key", key}});
    ASSERT_EQ(header.status, 200) << header.body;
    EXPECT_EQ(jsonOf(header), account);

    // The scheme name is case-insensitive (RFC 9110 11.1).
    const auto lower = callApi(app, "GET", "/api/v1/account", "", "", {{"Authorization", "bearer " + key}});
    EXPECT_EQ(lower.status, 200) << lower.body;
}

TEST_P(ApiKeyAuth, RevokedKeyIsRefusedAtOnce) {
    TestApp app(GetParam());
    const std::string key = signUpForKey(app, "revoked@example.com");
    ASSERT_EQ(callApi(app, "GET", "/api/v1/account", key).status, 200);

    execSql(app, kRevokeKey, {domain::hashApiKey(key), app.clock().now()});
    const auto bearer = callApi(app, "GET", "/api/v1/account", key);
    EXPECT_EQ(expectApiError(bearer, 401, "revoked_api_key"), "This API key has been revoked.");
    expectBearerChallenge(bearer);
    const auto header = callApi(app, "GET", "/api/v1/account", "", "", {{"X-API-Key", key}});
    expectApiError(header, 401, "revoked_api_key");
    expectBearerChallenge(header);
    expectApiError(callApi(app, "GET", "/api/v1/fix-attempts", key), 401, "revoked_api_key");
}

TEST_P(ApiKeyAuth, ExpiredKeyIsRefused) {
    TestApp app(GetParam());
    const std::string key = signUpForKey(app, "expiring@example.com");
    execSql(app, kExpireKey, {domain::hashApiKey(key), app.clock().now() + std::chrono::hours(1)});
    ASSERT_EQ(callApi(app, "GET", "/api/v1/account", key).status, 200) << "a key is good until it expires";

    app.clock().advance(std::chrono::hours(1));
    const auto r = callApi(app, "GET", "/api/v1/account", key);
    EXPECT_EQ(expectApiError(r, 401, "expired_api_key"), "This API key has expired.");
    expectBearerChallenge(r);
}

TEST_P(ApiKeyAuth, MalformedAndUnknownKeysAreRefused) {
    TestApp app(GetParam());
    const std::string key = signUpForKey(app, "owner@example.com");
    const std::string not_valid = "This is not a valid RSOLV API key.";

    for (const std::string& bad : {withBadChecksum(key), key.substr(0, key.size() - 1), key + "x",
                                   std::string("rsolv_short"), std::string("sk_live_0123456789abcdef"),
                                   "RSOLV_" + key.substr(6)}) {
        SCOPED_TRACE(bad);
        const auto r = callApi(app, "GET", "/api/v1/account", bad);
        EXPECT_EQ(expectApiError(r, 401, "invalid_api_key"), not_valid);
        expectBearerChallenge(r);
    }
    // Well formed, right checksum, but never issued: the database says no, with another message.
    const auto unknown = callApi(app, "GET", "/api/v1/account", domain::generateApiKey().secret);
    EXPECT_EQ(expectApiError(unknown, 401, "invalid_api_key"), "This API key is not valid.");
    expectBearerChallenge(unknown);

    const auto missing = callApi(app, "GET", "/api/v1/account", "");
    expectApiError(missing, 401, "missing_api_key");
    expectBearerChallenge(missing);
    const auto basic = callApi(app, "GET", "/api/v1/account", "", "", {{"Authorization", "Basic dXNlcjpwYXNz"}});
    expectApiError(basic, 401, "invalid_authorization");
    expectBearerChallenge(basic);

    EXPECT_EQ(callApi(app, "GET", "/api/v1/account", key).status, 200) << "the real key still works";
}

// A malformed or bad-checksum key is answered before any query: with the key table locked against every reader
// (PostgreSQL: ACCESS EXCLUSIVE on api_keys; SQLite: the database's write lock), a bad-checksum key still gets its 401
// at once, while (PostgreSQL) a well-formed unknown key waits for the lock.
TEST_P(ApiKeyAuth, MalformedKeyIsRefusedWithoutTouchingTheDatabase) {
    TestApp app(GetParam());
    const std::string key = signUpForKey(app, "locked@example.com");
    const std::string bad = withBadChecksum(key);
    const std::string unknown = domain::generateApiKey().secret;

    auto lock = app.db().begin(TxMode::Write);
    if (app.db().dialect() == storage::Dialect::Postgres) lock->execScript("LOCK TABLE api_keys IN ACCESS EXCLUSIVE MODE");

    const auto started = std::chrono::steady_clock::now();
    const auto refused = callApi(app, "GET", "/api/v1/account", bad);
    const auto took = std::chrono::steady_clock::now() - started;
    EXPECT_EQ(expectApiError(refused, 401, "invalid_api_key"), "This is not a valid RSOLV API key.");
    EXPECT_LT(took, 2s) << "the malformed key waited for the database";

    // The control: a well-formed unknown key is looked up, so it waits. API authentication only reads since issue 11,
    // and SQLite readers (WAL) do not wait for the write lock: the control holds on PostgreSQL only.
    if (app.db().dialect() != storage::Dialect::Postgres) return;
    auto waiting = std::async(std::launch::async, [&] { return callApi(app, "GET", "/api/v1/account", unknown); });
    EXPECT_EQ(waiting.wait_for(500ms), std::future_status::timeout)
        << "a well-formed key was answered without reading api_keys, so this test proves nothing";
    lock.reset();  // rolls back, releasing the lock
    const auto looked_up = waiting.get();
    EXPECT_EQ(expectApiError(looked_up, 401, "invalid_api_key"), "This API key is not valid.");
}

TEST_P(ApiKeyAuth, SuspendedCustomerIsForbidden) {
    TestApp app(GetParam());
    const std::string key = signUpForKey(app, "suspended@example.com");
    ASSERT_EQ(callApi(app, "GET", "/api/v1/account", key).status, 200);

    execSql(app, kSuspendOwner, {domain::hashApiKey(key)});
    expectApiError(callApi(app, "GET", "/api/v1/account", key), 403, "account_suspended");
    expectApiError(callApi(app, "GET", "/api/v1/fix-attempts", key), 403, "account_suspended");
    HttpClient client(app.port(), app.publicUrl());
    const auto post = client.request("POST", "/api/v1/fix-attempts", R"({"repository":"acme/widgets","reference":"main"})",
                                     "application/json", {{"Authorization", "Bearer " + key}});
    expectApiError(post, 403, "account_suspended");
    EXPECT_EQ(app.count("fix_attempts"), 0);
}

TEST_P(ApiKeyAuth, SessionCookieIsNotAnApiCredential) {
    TestApp app(GetParam());
    HttpClient browser(app.port(), app.publicUrl());
    ASSERT_EQ(browser.signup("cookie@example.com", "Cookie Monster").status, 303);
    const auto welcome = browser.get("/welcome");
    ASSERT_EQ(welcome.status, 200) << "the browser is signed in";
    ASSERT_FALSE(browser.cookies().empty());

    const auto r = browser.get("/api/v1/account");
    expectApiError(r, 401, "missing_api_key");
    expectBearerChallenge(r);
    const auto post = browser.request("POST", "/api/v1/fix-attempts", R"({"repository":"acme/widgets","reference":"main"})",
                                      "application/json");
    expectApiError(post, 401, "missing_api_key");
    EXPECT_EQ(app.count("fix_attempts"), 0);
}

TEST_P(ApiKeyAuth, KeyInTheUrlIsRefused) {
    TestApp app(GetParam());
    const std::string key = signUpForKey(app, "url@example.com");

    const auto query = callApi(app, "GET", "/api/v1/account?api_key=" + key, "");
    const std::string message = expectApiError(query, 400, "api_key_in_url");
    EXPECT_EQ(message.find(key), std::string::npos) << "the error repeats the key";
    EXPECT_EQ(query.body.find(key), std::string::npos);
    // Even with a good key in the header as well: the one in the URL is exposed all the same.
    expectApiError(callApi(app, "GET", "/api/v1/fix-attempts?limit=5&key=" + key, key), 400, "api_key_in_url");
}

// ---------------------------------------------------------------------------------------------------------------

class ApiRateLimit : public ::testing::TestWithParam<Backend> {};

TEST_P(ApiRateLimit, PerKeySlidingWindow) {
    TestApp app(GetParam(), [](app::Config& c) { c.api_requests_per_minute = 5; });
    const std::string key = signUpForKey(app, "busy@example.com");
    const std::string other = signUpForKey(app, "quiet@example.com");

    for (int i = 0; i < 5; ++i) {
        const auto r = callApi(app, "GET", i % 2 ? "/api/v1/fix-attempts" : "/api/v1/account", key);
        EXPECT_EQ(r.status, 200) << "request " << i + 1 << ": " << r.body;
        app.clock().advance(1s);
    }
    const auto limited = callApi(app, "GET", "/api/v1/account", key);
    expectApiError(limited, 429, "rate_limited");
    const std::string retry = limited.header("retry-after");
    ASSERT_FALSE(retry.empty()) << "429 without Retry-After";
    // The oldest of the five was 5 s ago. Requests are counted in whole-second buckets and a bucket is counted until
    // it is wholly out of the minute (conservative: never more than the limit in any 60 s), so it leaves in 56 s.
    EXPECT_EQ(retry, "56");
    EXPECT_EQ(callApi(app, "GET", "/api/v1/account", other).status, 200) << "the window is per key";

    app.clock().advance(55s);
    EXPECT_EQ(callApi(app, "GET", "/api/v1/account", key).status, 429) << "one second early";
    app.clock().advance(1s);  // Retry-After has passed: the oldest left the window
    EXPECT_EQ(callApi(app, "GET", "/api/v1/account", key).status, 200) << "retrying after Retry-After is refused";
    app.clock().advance(6s);  // all five are now older than a minute
    EXPECT_EQ(callApi(app, "GET", "/api/v1/account", key).status, 200);
}

// ---------------------------------------------------------------------------------------------------------------

class ApiUsageTracking : public ::testing::TestWithParam<Backend> {};

TEST_P(ApiUsageTracking, FirstApiCallIsRecordedOnce) {
    TestApp app(GetParam());
    const std::string key = signUpForKey(app, "events@example.com");
    const auto first = callApi(app, "GET", "/api/v1/account", key);
    ASSERT_EQ(first.status, 200);
    const std::int64_t customer = jsonOf(first).value("customer_id", std::int64_t(0));
    EXPECT_EQ(eventsFor(app, "first_api_call", customer), 1);

    callApi(app, "GET", "/api/v1/fix-attempts", key);
    app.clock().advance(2min);  // past the last_used_at interval, so the key is touched again
    EXPECT_EQ(callApi(app, "GET", "/api/v1/account", key).status, 200);
    EXPECT_EQ(eventsFor(app, "first_api_call", customer), 1) << "first_api_call recorded again";
}

TEST_P(ApiUsageTracking, FirstFixAttemptIsRecordedOnce) {
    TestApp app(GetParam());
    const std::string key = signUpForKey(app, "fixer@example.com");
    const std::int64_t customer = jsonOf(callApi(app, "GET", "/api/v1/account", key)).value("customer_id", std::int64_t(0));
    EXPECT_EQ(eventsFor(app, "first_fix_attempt", customer), 0);

    HttpClient client(app.port(), app.publicUrl());
    for (int i = 0; i < 2; ++i) {
        const auto r = client.request("POST", "/api/v1/fix-attempts", R"({"repository":"acme/widgets","reference":"main"})",
                                      "application/json", {{"Authorization", "Bearer " + key}});
        ASSERT_EQ(r.status, 201) << r.body;
        EXPECT_EQ(eventsFor(app, "first_fix_attempt", customer), 1) << "after attempt " << i + 1;
    }
}

TEST_P(ApiUsageTracking, LastUsedAtIsWrittenAtMostOncePerMinute) {
    TestApp app(GetParam());
    const std::string key = signUpForKey(app, "lastused@example.com");
    EXPECT_EQ(lastUsedAt(app, key), std::nullopt);

    const Timestamp first = app.clock().now();
    ASSERT_EQ(callApi(app, "GET", "/api/v1/account", key).status, 200);
    EXPECT_EQ(lastUsedAt(app, key), first);

    app.clock().advance(10s);
    ASSERT_EQ(callApi(app, "GET", "/api/v1/account", key).status, 200);
    EXPECT_EQ(lastUsedAt(app, key), first) << "written again within the minute";

    app.clock().advance(51s);
    ASSERT_EQ(callApi(app, "GET", "/api/v1/account", key).status, 200);
    EXPECT_EQ(lastUsedAt(app, key), first + 61s);
}

INSTANTIATE_TEST_SUITE_P(Backends, ApiKeyAuth, kBothBackends, backendName);
INSTANTIATE_TEST_SUITE_P(Backends, ApiRateLimit, kBothBackends, backendName);
INSTANTIATE_TEST_SUITE_P(Backends, ApiUsageTracking, kBothBackends, backendName);

}  // namespace
}  // namespace rsolv::test
