// GET /readyz proves that a write can commit (issue 10, defect 5): a database that answers reads but refuses every
// write (a full disk) must take the instance out of the load balancer, and the body names the failing check.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "support/test_app.h"

namespace rsolv::test {
namespace {

using namespace std::chrono_literals;

/// Makes the database refuse the readiness probe's write as a full disk would, while reads still work. The probe
/// rewrites the newest schema_migrations row in place (a write that changes nothing the service reads).
void refuseWrites(storage::Database& db) {
    storage::inTransaction(db, storage::TxMode::Write, [&](storage::Transaction& tx) {
        if (db.dialect() == storage::Dialect::Sqlite)
            tx.execScript(
                "CREATE TRIGGER refuse_writes BEFORE UPDATE ON schema_migrations "
                "BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END;");
        else
            tx.execScript(
                "CREATE FUNCTION refuse_writes() RETURNS trigger LANGUAGE plpgsql AS "
                "$$ BEGIN RAISE EXCEPTION 'could not extend file: No space left on device'; END $$; "
                "CREATE TRIGGER refuse_writes BEFORE UPDATE ON schema_migrations "
                "FOR EACH ROW EXECUTE FUNCTION refuse_writes();");
    });
}

void acceptWrites(storage::Database& db) {
    storage::inTransaction(db, storage::TxMode::Write, [&](storage::Transaction& tx) {
        tx.execScript("DROP TRIGGER refuse_writes" +
                      std::string(db.dialect() == storage::Dialect::Sqlite ? ";" : " ON schema_migrations;"));
    });
}

class Readiness : public ::testing::TestWithParam<Backend> {};

TEST_P(Readiness, ADatabaseThatCannotCommitAWriteIsNotReadyAndTheBodyNamesTheCheck) {
    TestApp app(GetParam());
    HttpClient client(app.port(), app.publicUrl());
    auto ready = client.get("/readyz");
    ASSERT_EQ(ready.status, 200) << ready.body;
    EXPECT_EQ(nlohmann::json::parse(ready.body).value("write", ""), "ok") << ready.body;

    refuseWrites(app.db());
    // The last proof is cached for a few seconds, so a probe every second costs one write per few seconds.
    EXPECT_EQ(client.get("/readyz").status, 200);
    app.clock().advance(6s);
    ready = client.get("/readyz");
    EXPECT_EQ(ready.status, 503) << ready.body;
    EXPECT_NE(ready.header("content-type").find("application/json"), std::string::npos);
    const auto body = nlohmann::json::parse(ready.body, nullptr, false);
    ASSERT_FALSE(body.is_discarded()) << ready.body;
    EXPECT_EQ(body.value("status", ""), "not_ready") << ready.body;
    EXPECT_EQ(body.value("failing_check", ""), "database_write") << ready.body;
    EXPECT_EQ(body.value("database", ""), "ok") << ready.body;  // reads still work
    EXPECT_EQ(body.value("write", ""), "failed") << ready.body;
    EXPECT_EQ(ready.body.find("schema_migrations"), std::string::npos) << "no SQL detail for the public";

    acceptWrites(app.db());
    app.clock().advance(2s);
    ready = client.get("/readyz");
    EXPECT_EQ(ready.status, 200) << "recovers at the next probe once writes commit again: " << ready.body;
}

TEST_P(Readiness, AReadyAnswerIsCachedSoProbesStayCheap) {
    TestApp app(GetParam());
    HttpClient client(app.port(), app.publicUrl());
    ASSERT_EQ(client.get("/readyz").status, 200);
    refuseWrites(app.db());
    for (int i = 0; i < 4; ++i) {
        EXPECT_EQ(client.get("/readyz").status, 200) << "probe " << i << " within the cache window";
        app.clock().advance(1s);
    }
    app.clock().advance(2s);
    EXPECT_EQ(client.get("/readyz").status, 503);
}

INSTANTIATE_TEST_SUITE_P(Backends, Readiness, kBothBackends, backendName);

}  // namespace
}  // namespace rsolv::test
