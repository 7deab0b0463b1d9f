// Issue 11, reads in one round trip: a SingleRead transaction runs one read statement with no BEGIN and COMMIT around
// it, sees what was committed, holds no transaction open afterwards, and refuses anything beyond that one statement.

#include <gtest/gtest.h>

#include "storage/customer_repository.h"
#include "support/test_app.h"

namespace rsolv::test {
namespace {

using storage::Transaction;
using storage::TxMode;

constexpr storage::Query kOne{"SELECT 1 AS one"};
constexpr storage::Query kIdleInTransaction{
    "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND state = 'idle in transaction'",
    "SELECT 0 AS n"};

class SingleRead : public ::testing::TestWithParam<Backend> {
protected:
    void SetUp() override {
        database_ = std::make_unique<TestDatabase>(GetParam());
        db_ = database_->open();
    }
    std::int64_t idleInTransaction() {
        return storage::inTransaction(*db_, TxMode::Write, [](Transaction& tx) {
            return tx.exec(kIdleInTransaction).front().i64("n");
        });
    }
    std::unique_ptr<TestDatabase> database_;
    std::unique_ptr<storage::Database> db_;
};

TEST_P(SingleRead, ItSeesWhatWasCommittedBeforeIt) {
    const auto id = storage::inTransaction(*db_, TxMode::Write, [](Transaction& tx) {
        storage::NewCustomer c;
        c.email = c.email_canonical = "single@example.com";
        c.name = "Single Read";
        return storage::CustomerRepository(tx).insert(c, testEpoch());
    });
    const auto found = storage::inTransaction(*db_, TxMode::SingleRead, [&](Transaction& tx) {
        return storage::CustomerRepository(tx).findById(id);
    });
    ASSERT_TRUE(found);
    EXPECT_EQ(found->email, "single@example.com");
}

TEST_P(SingleRead, ASecondStatementALockOrAScriptIsAProgrammingError) {
    auto tx = db_->begin(TxMode::SingleRead);
    EXPECT_EQ(tx->exec(kOne).front().i64("one"), 1);
    EXPECT_THROW(tx->exec(kOne), std::logic_error);
    EXPECT_THROW(tx->lockKey("anything"), std::logic_error);
    EXPECT_THROW(tx->execScript("SELECT 1"), std::logic_error);
    EXPECT_NO_THROW(tx->commit());
}

TEST_P(SingleRead, NoTransactionStaysOpenAfterItsStatement) {
    if (GetParam() != Backend::Postgres) GTEST_SKIP() << "PostgreSQL shows open transactions in pg_stat_activity";
    {
        auto read = db_->begin(TxMode::Read);
        read->exec(kOne);
        ASSERT_EQ(idleInTransaction(), 1) << "the control: a Read transaction is open between its statements";
    }
    auto single = db_->begin(TxMode::SingleRead);
    single->exec(kOne);
    EXPECT_EQ(idleInTransaction(), 0) << "a SingleRead sent BEGIN";
    single->commit();
}

INSTANTIATE_TEST_SUITE_P(Backends, SingleRead, kBothBackends, backendName);

}  // namespace
}  // namespace rsolv::test
