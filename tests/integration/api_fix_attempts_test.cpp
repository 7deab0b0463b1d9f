// Fix attempts through the customer API on both backends: from signup to a started, succeeded or failed attempt and
// the trial figures it moves; other customers' attempts; pagination; the last credit under concurrent requests; and
// Idempotency-Key replays, conflicts and races.

#include <gtest/gtest.h>

#include <chrono>
#include <latch>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/crypto.h"
#include "domain/api_key.h"
#include "storage/database.h"
#include "integration/api_test_helpers.h"
#include "support/test_app.h"

namespace rsolv::test {
namespace {

using namespace std::chrono_literals;
using storage::inTransaction;
using storage::Transaction;
using storage::TxMode;

constexpr const char* kWidgets = R"({"repository":"acme/widgets","reference":"main"})";
constexpr storage::Query kInsertIdempotencyRecord{
    "INSERT INTO idempotency_keys (customer_id, idempotency_key, fingerprint, state, created_at, expires_at) "
    "VALUES ($1, $2, $3, 'in_progress', $4, $5)"};

struct Usage {
    int limit = -1, used = -1, remaining = -1;
    bool operator==(const Usage&) const = default;
};
std::ostream& operator<<(std::ostream& os, const Usage& u) {
    return os << "{limit " << u.limit << ", used " << u.used << ", remaining " << u.remaining << "}";
}

Usage usageOf(TestApp& app, const std::string& key) {
    const auto r = callApi(app, "GET", "/api/v1/account", key);
    EXPECT_EQ(r.status, 200) << r.body;
    const auto j = jsonOf(r);
    return {j.value("trial_fixes_limit", -1), j.value("trial_fixes_used", -1), j.value("trial_fixes_remaining", -1)};
}

std::int64_t customerIdOf(TestApp& app, const std::string& key) {
    return jsonOf(callApi(app, "GET", "/api/v1/account", key)).value("customer_id", std::int64_t(0));
}

std::int64_t idOf(const HttpResponse& r) { return jsonOf(r).value("id", std::int64_t(0)); }

std::string attemptPath(std::int64_t id) { return "/api/v1/fix-attempts/" + std::to_string(id); }

/// Runs `call(i)` on `n` threads released together; returns the responses in thread order.
template <class F>
std::vector<HttpResponse> concurrently(int n, F call) {
    std::vector<HttpResponse> out(static_cast<size_t>(n));
    std::latch start(n);
    std::vector<std::thread> threads;
    for (int i = 0; i < n; ++i)
        threads.emplace_back([&, i] {
            start.arrive_and_wait();
            out[size_t(i)] = call(i);
        });
    for (auto& t : threads) t.join();
    return out;
}

// ---------------------------------------------------------------------------------------------------------------

class ApiFixAttempts : public ::testing::TestWithParam<Backend> {};

TEST_P(ApiFixAttempts, FromSignupToASucceededFix) {
    TestApp app(GetParam());
    const std::string key = signUpForKey(app, "flow@example.com");
    const std::string sha(40, 'a');

    const auto created = callApi(app, "POST", "/api/v1/fix-attempts", key,
                                 R"({"repository":"acme/widgets","reference":"refs/heads/main","commit_sha":")" + sha +
                                     R"(","run_url":"https://github.com/acme/widgets/actions/runs/1"})");
    ASSERT_EQ(created.status, 201) << created.body;
    const auto attempt = jsonOf(created);
    const std::int64_t id = attempt.value("id", std::int64_t(0));
    ASSERT_GT(id, 0) << created.body;
    EXPECT_EQ(created.header("location"), app.publicUrl() + attemptPath(id));
    EXPECT_EQ(attempt.value("repository", ""), "acme/widgets");
    EXPECT_EQ(attempt.value("reference", ""), "refs/heads/main");
    EXPECT_EQ(attempt.value("commit_sha", ""), sha);
    EXPECT_EQ(attempt.value("status", ""), "running");
    EXPECT_TRUE(attempt["finished_at"].is_null());
    EXPECT_EQ(usageOf(app, key), (Usage{10, 1, 9}));

    const auto fetched = callApi(app, "GET", attemptPath(id), key);
    ASSERT_EQ(fetched.status, 200) << fetched.body;
    EXPECT_EQ(jsonOf(fetched), attempt);

    const std::string pr = "https://github.com/acme/widgets/pull/7";
    const auto done = callApi(app, "PATCH", attemptPath(id), key,
                              R"({"status":"succeeded","pull_request_url":")" + pr + R"("})");
    ASSERT_EQ(done.status, 200) << done.body;
    const auto finished = jsonOf(done);
    EXPECT_EQ(finished.value("status", ""), "succeeded");
    EXPECT_EQ(finished.value("pull_request_url", ""), pr);
    EXPECT_FALSE(finished.value("credit_refunded", true));
    EXPECT_TRUE(finished["finished_at"].is_string()) << done.body;
    EXPECT_EQ(usageOf(app, key), (Usage{10, 1, 9})) << "a success keeps its credit";
    EXPECT_EQ(jsonOf(callApi(app, "GET", attemptPath(id), key)), finished);

    const auto again = callApi(app, "PATCH", attemptPath(id), key, R"({"status":"failed","reason":"late report"})");
    expectApiError(again, 409, "already_finished");
    EXPECT_EQ(usageOf(app, key), (Usage{10, 1, 9})) << "a late failure report must not refund a succeeded fix";
    EXPECT_EQ(jsonOf(callApi(app, "GET", attemptPath(id), key)).value("status", ""), "succeeded");
}

TEST_P(ApiFixAttempts, FailedAttemptRefundsItsCreditOnce) {
    TestApp app(GetParam());
    const std::string key = signUpForKey(app, "refund@example.com");
    const auto created = callApi(app, "POST", "/api/v1/fix-attempts", key, kWidgets);
    ASSERT_EQ(created.status, 201) << created.body;
    const std::int64_t id = idOf(created);
    EXPECT_EQ(usageOf(app, key), (Usage{10, 1, 9}));

    const auto failed = callApi(app, "PATCH", attemptPath(id), key, R"({"status":"failed","reason":"tests failed"})");
    ASSERT_EQ(failed.status, 200) << failed.body;
    const auto j = jsonOf(failed);
    EXPECT_EQ(j.value("status", ""), "failed");
    EXPECT_EQ(j.value("failure_reason", ""), "tests failed");
    EXPECT_TRUE(j.value("credit_refunded", false));
    EXPECT_EQ(usageOf(app, key), (Usage{10, 0, 10}));

    expectApiError(callApi(app, "PATCH", attemptPath(id), key, R"({"status":"failed","reason":"again"})"), 409,
                   "already_finished");
    expectApiError(callApi(app, "PATCH", attemptPath(id), key,
                           R"({"status":"succeeded","pull_request_url":"https://github.com/acme/widgets/pull/1"})"),
                   409, "already_finished");
    EXPECT_EQ(usageOf(app, key), (Usage{10, 0, 10})) << "refunded twice or charged again";
}

TEST_P(ApiFixAttempts, AnotherCustomersAttemptIsNotFound) {
    TestApp app(GetParam());
    const std::string alice = signUpForKey(app, "alice@example.com");
    const std::string bob = signUpForKey(app, "bob@example.com");
    const auto created = callApi(app, "POST", "/api/v1/fix-attempts", alice, kWidgets);
    ASSERT_EQ(created.status, 201) << created.body;
    const std::int64_t id = idOf(created);

    expectApiError(callApi(app, "GET", attemptPath(id), bob), 404, "not_found");
    expectApiError(callApi(app, "PATCH", attemptPath(id), bob, R"({"status":"failed","reason":"mine now"})"), 404,
                   "not_found");
    const auto bobs = jsonOf(callApi(app, "GET", "/api/v1/fix-attempts", bob));
    EXPECT_EQ(bobs["data"].size(), 0u) << bobs.dump();
    EXPECT_EQ(usageOf(app, bob), (Usage{10, 0, 10}));

    // Alice's attempt is untouched and her credit is still spent.
    EXPECT_EQ(jsonOf(callApi(app, "GET", attemptPath(id), alice)).value("status", ""), "running");
    EXPECT_EQ(usageOf(app, alice), (Usage{10, 1, 9}));

    expectApiError(callApi(app, "GET", attemptPath(id + 1000), alice), 404, "not_found");
    expectApiError(callApi(app, "GET", "/api/v1/fix-attempts/abc", alice), 404, "not_found");
}

TEST_P(ApiFixAttempts, ListsNewestFirstInPages) {
    TestApp app(GetParam());
    const std::string key = signUpForKey(app, "pages@example.com");
    std::vector<std::int64_t> ids;
    for (const char* repo : {"acme/one", "acme/two", "acme/three"}) {
        const auto r = callApi(app, "POST", "/api/v1/fix-attempts", key,
                               std::string(R"({"repository":")") + repo + R"(","reference":"main"})");
        ASSERT_EQ(r.status, 201) << r.body;
        ids.push_back(idOf(r));
        app.clock().advance(1s);
    }

    const auto first = callApi(app, "GET", "/api/v1/fix-attempts?limit=2", key);
    ASSERT_EQ(first.status, 200) << first.body;
    const auto page1 = jsonOf(first);
    ASSERT_EQ(page1["data"].size(), 2u) << first.body;
    EXPECT_EQ(page1["data"][0].value("id", std::int64_t(0)), ids[2]);
    EXPECT_EQ(page1["data"][0].value("repository", ""), "acme/three");
    EXPECT_EQ(page1["data"][1].value("id", std::int64_t(0)), ids[1]);
    EXPECT_TRUE(page1.value("has_more", false));
    ASSERT_TRUE(page1["next_cursor"].is_string()) << first.body;

    const auto second =
        callApi(app, "GET", "/api/v1/fix-attempts?limit=2&cursor=" + page1["next_cursor"].get<std::string>(), key);
    ASSERT_EQ(second.status, 200) << second.body;
    const auto page2 = jsonOf(second);
    ASSERT_EQ(page2["data"].size(), 1u) << second.body;
    EXPECT_EQ(page2["data"][0].value("id", std::int64_t(0)), ids[0]);
    EXPECT_FALSE(page2.value("has_more", true));
    EXPECT_TRUE(page2["next_cursor"].is_null()) << second.body;

    const auto all = jsonOf(callApi(app, "GET", "/api/v1/fix-attempts", key));
    EXPECT_EQ(all["data"].size(), 3u);
    EXPECT_FALSE(all.value("has_more", true));

    for (const std::string bad : {"limit=0", "limit=101", "limit=abc", "limit=-1", "limit=", "limit=2.5"}) {
        SCOPED_TRACE(bad);
        const std::string message = expectApiError(callApi(app, "GET", "/api/v1/fix-attempts?" + bad, key), 400,
                                                   "invalid_parameter");
        EXPECT_NE(message.find("\"limit\""), std::string::npos) << message;
    }
    expectApiError(callApi(app, "GET", "/api/v1/fix-attempts?cursor=nope", key), 400, "invalid_parameter");
}

// ---------------------------------------------------------------------------------------------------------------

class ApiTrialCredits : public ::testing::TestWithParam<Backend> {};

TEST_P(ApiTrialCredits, LastCreditGoesToExactlyOneOfTwentyConcurrentRequests) {
    TestApp app(GetParam(), [](app::Config& c) { c.api_requests_per_minute = 1000; });
    const std::string key = signUpForKey(app, "race@example.com");
    for (int i = 0; i < 9; ++i) ASSERT_EQ(callApi(app, "POST", "/api/v1/fix-attempts", key, kWidgets).status, 201);
    ASSERT_EQ(usageOf(app, key), (Usage{10, 9, 1}));

    const auto responses = concurrently(20, [&](int) { return callApi(app, "POST", "/api/v1/fix-attempts", key, kWidgets); });
    int created = 0;
    for (const auto& r : responses) {
        if (r.status == 201) {
            ++created;
            continue;
        }
        const std::string message = expectApiError(r, 402, "trial_exhausted");
        EXPECT_NE(message.find("dashboard"), std::string::npos) << message;
    }
    EXPECT_EQ(created, 1);
    EXPECT_EQ(usageOf(app, key), (Usage{10, 10, 0}));
    EXPECT_EQ(app.count("fix_attempts"), 10);
}

// ---------------------------------------------------------------------------------------------------------------

class ApiIdempotency : public ::testing::TestWithParam<Backend> {};

TEST_P(ApiIdempotency, SameKeyAndBodyReplayTheFirstResponse) {
    TestApp app(GetParam());
    const std::string key = signUpForKey(app, "retry@example.com");

    const auto first = callApi(app, "POST", "/api/v1/fix-attempts", key, kWidgets, {{"Idempotency-Key", "run-42"}});
    ASSERT_EQ(first.status, 201) << first.body;
    EXPECT_EQ(first.header("idempotent-replayed"), "");
    const auto replay = callApi(app, "POST", "/api/v1/fix-attempts", key, kWidgets, {{"Idempotency-Key", "run-42"}});
    EXPECT_EQ(replay.status, 201) << replay.body;
    EXPECT_EQ(replay.header("idempotent-replayed"), "true");
    EXPECT_EQ(idOf(replay), idOf(first));
    EXPECT_EQ(jsonOf(replay), jsonOf(first));
    EXPECT_EQ(replay.header("content-type").substr(0, 16), "application/json");
    EXPECT_EQ(replay.header("location"), first.header("location")) << "the replay is not the first response";
    EXPECT_EQ(usageOf(app, key), (Usage{10, 1, 9}));
    EXPECT_EQ(app.count("fix_attempts"), 1);

    // The same key with another body is a client bug, not a retry.
    const auto reused = callApi(app, "POST", "/api/v1/fix-attempts", key,
                                R"({"repository":"acme/gadgets","reference":"main"})", {{"Idempotency-Key", "run-42"}});
    expectApiError(reused, 422, "idempotency_key_reused");
    EXPECT_EQ(usageOf(app, key), (Usage{10, 1, 9}));
    EXPECT_EQ(app.count("fix_attempts"), 1);

    // Without a key every POST is a new attempt.
    EXPECT_NE(idOf(callApi(app, "POST", "/api/v1/fix-attempts", key, kWidgets)), idOf(first));
    EXPECT_EQ(usageOf(app, key), (Usage{10, 2, 8}));

    for (const std::string& bad : {std::string(256, 'k'), std::string("has space")}) {
        expectApiError(callApi(app, "POST", "/api/v1/fix-attempts", key, kWidgets, {{"Idempotency-Key", bad}}), 400,
                       "invalid_idempotency_key");
    }
    EXPECT_EQ(app.count("fix_attempts"), 2);
}

TEST_P(ApiIdempotency, KeysAreScopedPerCustomer) {
    TestApp app(GetParam());
    const std::string alice = signUpForKey(app, "alice@example.com");
    const std::string bob = signUpForKey(app, "bob@example.com");

    const auto a = callApi(app, "POST", "/api/v1/fix-attempts", alice, kWidgets, {{"Idempotency-Key", "same"}});
    const auto b = callApi(app, "POST", "/api/v1/fix-attempts", bob, kWidgets, {{"Idempotency-Key", "same"}});
    ASSERT_EQ(a.status, 201) << a.body;
    ASSERT_EQ(b.status, 201) << b.body;
    EXPECT_EQ(b.header("idempotent-replayed"), "") << "Bob got Alice's response";
    EXPECT_NE(idOf(a), idOf(b));
    EXPECT_EQ(usageOf(app, alice), (Usage{10, 1, 9}));
    EXPECT_EQ(usageOf(app, bob), (Usage{10, 1, 9}));
    EXPECT_EQ(jsonOf(callApi(app, "GET", attemptPath(idOf(b)), bob)).value("id", std::int64_t(0)), idOf(b));
}

TEST_P(ApiIdempotency, DuplicateWhileTheFirstIsInProgressIsAConflict) {
    TestApp app(GetParam());
    const std::string key = signUpForKey(app, "inflight@example.com");
    const std::int64_t customer = customerIdOf(app, key);
    const auto now = app.clock().now();
    // What a request that is still running leaves behind (api_support.cpp: method, path and body fingerprinted).
    const std::string fingerprint = crypto::sha256Hex(std::string("POST /api/v1/fix-attempts\n") + kWidgets);
    inTransaction(app.db(), TxMode::Write, [&](Transaction& tx) {
        tx.exec(kInsertIdempotencyRecord, {customer, std::string("in-flight"), fingerprint, now, now + 24h});
        tx.exec(kInsertIdempotencyRecord, {customer, std::string("other-body"), std::string(64, '0'), now, now + 24h});
    });

    const auto busy = callApi(app, "POST", "/api/v1/fix-attempts", key, kWidgets, {{"Idempotency-Key", "in-flight"}});
    expectApiError(busy, 409, "idempotency_key_in_use");
    EXPECT_FALSE(busy.header("retry-after").empty());
    // The fingerprint above is the right one: a record for another body is a 422, not a 409.
    expectApiError(callApi(app, "POST", "/api/v1/fix-attempts", key, kWidgets, {{"Idempotency-Key", "other-body"}}), 422,
                   "idempotency_key_reused");
    EXPECT_EQ(app.count("fix_attempts"), 0);
    EXPECT_EQ(usageOf(app, key), (Usage{10, 0, 10}));

    // A record left in progress for over a minute belongs to a request that died: the retry takes it over.
    app.clock().advance(61s);
    const auto retried = callApi(app, "POST", "/api/v1/fix-attempts", key, kWidgets, {{"Idempotency-Key", "in-flight"}});
    EXPECT_EQ(retried.status, 201) << retried.body;
    EXPECT_EQ(usageOf(app, key), (Usage{10, 1, 9}));
}

TEST_P(ApiIdempotency, ConcurrentDuplicatesCreateOneAttempt) {
    TestApp app(GetParam(), [](app::Config& c) { c.api_requests_per_minute = 1000; });
    const std::string key = signUpForKey(app, "storm@example.com");

    const auto responses = concurrently(10, [&](int) {
        return callApi(app, "POST", "/api/v1/fix-attempts", key, kWidgets, {{"Idempotency-Key", "storm-1"}});
    });
    std::set<std::int64_t> ids;
    int created = 0;
    for (const auto& r : responses) {
        if (r.status == 201) {
            ++created;
            ids.insert(idOf(r));
        } else {
            expectApiError(r, 409, "idempotency_key_in_use");
        }
    }
    EXPECT_GE(created, 1);
    EXPECT_EQ(ids.size(), 1u) << "different attempts for one Idempotency-Key";
    EXPECT_EQ(app.count("fix_attempts"), 1);
    EXPECT_EQ(usageOf(app, key), (Usage{10, 1, 9}));
}

INSTANTIATE_TEST_SUITE_P(Backends, ApiFixAttempts, kBothBackends, backendName);
INSTANTIATE_TEST_SUITE_P(Backends, ApiTrialCredits, kBothBackends, backendName);
INSTANTIATE_TEST_SUITE_P(Backends, ApiIdempotency, kBothBackends, backendName);

}  // namespace
}  // namespace rsolv::test
