// Issue 11: `GET /api/v1/account` served from memory. The usual request reads nothing from the database; a change this
// process commits (a fix attempt's credit, a refund, an operator's override) shows on the next request; a change made
// by another instance shows within the cache's trust (one second).

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <iostream>
#include <string>
#include <thread>

#include "domain/admin/overrides.h"
#include "domain/api_account.h"
#include "integration/api_test_helpers.h"
#include "storage/credential_changes.h"
#include "storage/customer_repository.h"
#include "support/test_app.h"

namespace rsolv::test {
namespace {

using namespace std::chrono_literals;
using storage::inTransaction;
using storage::Transaction;
using storage::TxMode;

/// A database that counts the transactions begun on it.
class CountingDatabase final : public storage::Database {
public:
    explicit CountingDatabase(storage::Database& inner) : inner_(inner) {}
    storage::Dialect dialect() const override { return inner_.dialect(); }
    std::unique_ptr<Transaction> begin(TxMode mode) override {
        ++begun;
        return inner_.begin(mode);
    }
    std::string describe() const override { return inner_.describe(); }
    std::atomic<int> begun{0};

private:
    storage::Database& inner_;
};

class ApiAccountsTest : public ::testing::TestWithParam<Backend> {
protected:
    void SetUp() override {
        database_ = std::make_unique<TestDatabase>(GetParam());
        db_ = database_->open();
        counting_ = std::make_unique<CountingDatabase>(*db_);
        customer_ = inTransaction(*db_, TxMode::Write, [](Transaction& tx) {
            storage::NewCustomer c;
            c.email = c.email_canonical = "account@example.com";
            c.name = "Account Holder";
            c.trial_fixes_limit = 10;
            return storage::CustomerRepository(tx).insert(c, testEpoch());
        });
    }
    void takeACredit() {
        inTransaction(*db_, TxMode::Write, [&](Transaction& tx) {
            ASSERT_TRUE(storage::CustomerRepository(tx).consumeFixCredit(customer_, testEpoch()));
        });
    }
    std::unique_ptr<TestDatabase> database_;
    std::unique_ptr<storage::Database> db_;
    std::unique_ptr<CountingDatabase> counting_;
    std::int64_t customer_ = 0;
};

TEST_P(ApiAccountsTest, ASecondLookupReadsNothing) {
    const domain::ApiAccounts accounts(*counting_, {10, 1h});
    const auto first = accounts.find(customer_);
    ASSERT_TRUE(first);
    EXPECT_EQ(first->trial_fixes_limit, 10);
    EXPECT_EQ(first->plan, "trial");
    const auto second = accounts.find(customer_);
    ASSERT_TRUE(second);
    EXPECT_EQ(second->trial_fixes_used, first->trial_fixes_used);
    EXPECT_EQ(counting_->begun, 1) << "the second lookup read the database";
    EXPECT_FALSE(accounts.find(customer_ + 1000)) << "an unknown customer was found";
}

TEST_P(ApiAccountsTest, AChangeCommittedInThisProcessShowsAtOnce) {
    domain::ApiAccounts accounts(*counting_, {10, 1h});
    auto* observable = dynamic_cast<storage::CredentialsObservable*>(db_.get());
    ASSERT_NE(observable, nullptr);
    observable->onAccountsChanged([&] { accounts.clear(); });
    ASSERT_EQ(accounts.find(customer_)->trial_fixes_used, 0);
    takeACredit();
    EXPECT_EQ(accounts.find(customer_)->trial_fixes_used, 1) << "the credit taken is not shown";
    // A change the account does not show (the first API call) keeps the entry.
    const int begun = counting_->begun;
    inTransaction(*db_, TxMode::Write, [&](Transaction& tx) {
        storage::CustomerRepository(tx).markFirstApiCall(customer_, testEpoch());
    });
    EXPECT_EQ(accounts.find(customer_)->trial_fixes_used, 1);
    EXPECT_EQ(counting_->begun, begun) << "a change the answer does not show emptied the cache";
    observable->onAccountsChanged({});
}

TEST_P(ApiAccountsTest, AChangeMadeElsewhereShowsWhenTheEntryIsNoLongerTrusted) {
    const domain::ApiAccounts accounts(*counting_, {10, 200ms});
    ASSERT_EQ(accounts.find(customer_)->trial_fixes_used, 0);
    takeACredit();  // no observer: as if another instance had taken it
    const auto until = std::chrono::steady_clock::now() + 5s;
    int used = 0;
    while ((used = accounts.find(customer_)->trial_fixes_used) == 0 && std::chrono::steady_clock::now() < until)
        std::this_thread::sleep_for(20ms);
    EXPECT_EQ(used, 1);
}

INSTANTIATE_TEST_SUITE_P(Backends, ApiAccountsTest, kBothBackends, backendName);

const domain::admin::Actor kOperator{"ops@rsolv.dev", "127.0.0.1"};

std::int64_t customerOf(TestApp& app, const std::string& key) {
    return jsonOf(callApi(app, "GET", "/api/v1/account", key)).value("customer_id", std::int64_t(0));
}

int fixesUsed(TestApp& app, const std::string& key) {
    return jsonOf(callApi(app, "GET", "/api/v1/account", key)).value("trial_fixes_used", -1);
}

class ApiAccountCacheTest : public ::testing::TestWithParam<Backend> {};

// Through HTTP: every change the answer shows, made by this instance, is on the next answer.
TEST_P(ApiAccountCacheTest, ChangesOfThisInstanceShowOnTheNextAnswer) {
    TestApp app(GetParam());
    const std::string key = signUpForKey(app, "account.cache@example.com");
    const auto customer = customerOf(app, key);
    ASSERT_GT(customer, 0);
    ASSERT_EQ(fixesUsed(app, key), 0);

    const auto attempt = callApi(app, "POST", "/api/v1/fix-attempts", key,
                                 R"({"repository":"acme/widgets","reference":"main"})");
    ASSERT_EQ(attempt.status, 201) << attempt.body;
    EXPECT_EQ(fixesUsed(app, key), 1) << "the fix attempt's credit is not shown";

    inTransaction(app.db(), TxMode::Write, [&](Transaction& tx) {
        ASSERT_TRUE(domain::admin::grantCredits(tx, customer, 5, kOperator, "a good customer", app.clock().now()).ok());
    });
    EXPECT_EQ(jsonOf(callApi(app, "GET", "/api/v1/account", key)).value("trial_fixes_limit", 0), 15);

    inTransaction(app.db(), TxMode::Write, [&](Transaction& tx) {
        ASSERT_TRUE(domain::admin::resetUsage(tx, customer, kOperator, "a fresh start", app.clock().now()).ok());
    });
    EXPECT_EQ(fixesUsed(app, key), 0) << "the reset is not shown";
}

// Two instances on one database: a credit taken on one shows on the other within the trust (1 s).
TEST_P(ApiAccountCacheTest, ACreditTakenOnOneInstanceShowsOnTheOtherWithinASecond) {
    TestApp a(GetParam());
    TestApp b(GetParam(), [&](app::Config& c) { c.database_url = a.config().database_url; });
    const std::string key = signUpForKey(a, "two.accounts@example.com");
    ASSERT_EQ(fixesUsed(b, key), 0);
    ASSERT_EQ(callApi(a, "POST", "/api/v1/fix-attempts", key, R"({"repository":"acme/widgets","reference":"main"})")
                  .status,
              201);
    EXPECT_EQ(fixesUsed(a, key), 1);
    const auto started = std::chrono::steady_clock::now();
    int used = 0;
    while ((used = fixesUsed(b, key)) == 0 && std::chrono::steady_clock::now() - started < 5s)
        std::this_thread::sleep_for(20ms);
    EXPECT_EQ(used, 1) << "the other instance never showed the credit taken";
    std::cout << "shown on the other instance after "
              << std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started)
                     .count()
              << " ms\n";
}

INSTANTIATE_TEST_SUITE_P(Backends, ApiAccountCacheTest, kBothBackends, backendName);

}  // namespace
}  // namespace rsolv::test
