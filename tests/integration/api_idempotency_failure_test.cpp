// Idempotency keys of failed requests (issue 10, defect 7): a request that fails releases its key so that the
// client's retry runs, its writes are rolled back, and a key that cannot be released is logged, never swallowed.

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <sstream>

#include "api_test_helpers.h"
#include "http/api_support.h"

namespace rsolv::test {
namespace {

using namespace std::chrono_literals;

constexpr const char* kWidgets = R"({"repository":"acme/widgets","reference":"main"})";

/// Everything the default logger writes while it lives.
class LogCapture {
public:
    LogCapture() : sink_(std::make_shared<spdlog::sinks::ostream_sink_mt>(out_)) {
        spdlog::default_logger()->sinks().push_back(sink_);
    }
    ~LogCapture() {
        auto& sinks = spdlog::default_logger()->sinks();
        sinks.erase(std::remove(sinks.begin(), sinks.end(), sink_), sinks.end());
    }
    std::string text() const { return out_.str(); }

private:
    std::ostringstream out_;
    std::shared_ptr<spdlog::sinks::ostream_sink_mt> sink_;
};

/// Makes every INSERT INTO `table` (or DELETE FROM it) fail, as a database failing in the middle of a request would.
void failOn(storage::Database& db, const std::string& table, const std::string& operation) {
    const std::string name = "fail_" + table + "_" + operation;
    storage::inTransaction(db, storage::TxMode::Write, [&](storage::Transaction& tx) {
        if (db.dialect() == storage::Dialect::Sqlite)
            tx.execScript("CREATE TRIGGER " + name + " BEFORE " + operation + " ON " + table +
                          " BEGIN SELECT RAISE(ABORT, 'injected failure'); END;");
        else
            tx.execScript("CREATE FUNCTION " + name +
                          "() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'injected failure'; END $$; "
                          "CREATE TRIGGER " + name + " BEFORE " + operation + " ON " + table + " FOR EACH ROW EXECUTE FUNCTION " +
                          name + "();");
    });
}

void stopFailing(storage::Database& db, const std::string& table, const std::string& operation) {
    const std::string name = "fail_" + table + "_" + operation;
    storage::inTransaction(db, storage::TxMode::Write, [&](storage::Transaction& tx) {
        tx.execScript("DROP TRIGGER " + name + (db.dialect() == storage::Dialect::Sqlite ? "" : " ON " + table) + ";");
    });
}


class ApiIdempotencyFailure : public ::testing::TestWithParam<Backend> {};

TEST_P(ApiIdempotencyFailure, ARequestWhoseDatabaseFailsMidwayReleasesItsKeyAndTheRetryRunsOnce) {
    TestApp app(GetParam());
    const std::string key = signUpForKey(app, "dev@example.com");
    failOn(app.db(), "fix_attempts", "INSERT");
    const auto failed = callApi(app, "POST", "/api/v1/fix-attempts", key, kWidgets, {{"Idempotency-Key", "run-1"}});
    EXPECT_EQ(failed.status, 500) << failed.body;
    EXPECT_EQ(app.count("idempotency_keys"), 0) << "the failed request's key is released";
    stopFailing(app.db(), "fix_attempts", "INSERT");

    const auto retry = callApi(app, "POST", "/api/v1/fix-attempts", key, kWidgets, {{"Idempotency-Key", "run-1"}});
    EXPECT_EQ(retry.status, 201) << retry.body;
    EXPECT_TRUE(retry.header("idempotent-replayed").empty());
    EXPECT_EQ(jsonOf(callApi(app, "GET", "/api/v1/account", key)).value("trial_fixes_used", -1), 1)
        << "the failed attempt took no credit";
}

TEST_P(ApiIdempotencyFailure, AnOperationAnswering5xxIsRolledBackAndReleasesItsKey) {
    TestApp app(GetParam());
    const std::string key = signUpForKey(app, "dev@example.com");
    const std::int64_t customer_id = 1;
    http::Request request;
    request.method = "POST";
    request.path = "/api/v1/fix-attempts";
    request.body = kWidgets;
    request.headers["Idempotency-Key"] = "run-5xx";
    const storage::Query take_credit{"UPDATE customers SET trial_fixes_used = trial_fixes_used + 1 WHERE id = $1"};

    const auto failed = http::idempotent(app.app().context(), request, customer_id, [&](storage::Transaction& tx) {
        tx.exec(take_credit, {customer_id});
        return http::Response::json(R"({"error":"unavailable"})", 503);
    });
    EXPECT_EQ(failed.status, 503);
    EXPECT_EQ(app.count("idempotency_keys"), 0) << "a 5xx answer leaves no key in progress";
    EXPECT_EQ(app.count("customers", "trial_fixes_used = 0"), 1) << "a 5xx answer commits none of its writes";

    const auto retry = http::idempotent(app.app().context(), request, customer_id, [&](storage::Transaction& tx) {
        tx.exec(take_credit, {customer_id});
        return http::Response::json("{}", 201);
    });
    EXPECT_EQ(retry.status, 201) << retry.body << " (409 means the key stuck in_progress)";
    EXPECT_EQ(app.count("idempotency_keys", "state = 'completed'"), 1);
    EXPECT_EQ(app.count("customers", "trial_fixes_used = 1"), 1);
}

TEST_P(ApiIdempotencyFailure, AKeyThatCannotBeReleasedIsLoggedAndTakenOverOnceStale) {
    // The capture outlives the app: its threads log a request's line after the answer is written.
    LogCapture log;
    TestApp app(GetParam());
    const std::string key = signUpForKey(app, "dev@example.com");
    failOn(app.db(), "fix_attempts", "INSERT");
    failOn(app.db(), "idempotency_keys", "DELETE");
    const auto failed = callApi(app, "POST", "/api/v1/fix-attempts", key, kWidgets, {{"Idempotency-Key", "run-2"}});
    EXPECT_EQ(failed.status, 500) << failed.body;
    const std::string text = log.text();
    EXPECT_NE(text.find("could not release Idempotency-Key"), std::string::npos) << "logged:\n" << text;
    EXPECT_EQ(text.find("run-2"), std::string::npos) << "the client's key itself is not logged:\n" << text;

    stopFailing(app.db(), "fix_attempts", "INSERT");
    stopFailing(app.db(), "idempotency_keys", "DELETE");
    const auto early = callApi(app, "POST", "/api/v1/fix-attempts", key, kWidgets, {{"Idempotency-Key", "run-2"}});
    EXPECT_EQ(early.status, 409) << early.body;
    app.clock().advance(61s);
    const auto retry = callApi(app, "POST", "/api/v1/fix-attempts", key, kWidgets, {{"Idempotency-Key", "run-2"}});
    EXPECT_EQ(retry.status, 201) << retry.body;
}

INSTANTIATE_TEST_SUITE_P(Backends, ApiIdempotencyFailure, kBothBackends, backendName);

}  // namespace
}  // namespace rsolv::test
