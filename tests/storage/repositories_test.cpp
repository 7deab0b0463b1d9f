#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>

#include "common/crypto.h"
#include "domain/events.h"
#include "storage/api_key_repository.h"
#include "storage/customer_repository.h"
#include "storage/event_repository.h"
#include "storage/session_repository.h"
#include "support/test_app.h"

namespace rsolv::test {
namespace {

using namespace std::chrono;
using storage::StorageError;
using storage::Transaction;
using storage::TxMode;

class StorageRepositories : public ::testing::TestWithParam<Backend> {
protected:
    void SetUp() override {
        database_ = std::make_unique<TestDatabase>(GetParam());
        db_ = database_->open();
    }

    template <class F>
    auto write(F&& fn) {
        return storage::inTransaction(*db_, TxMode::Write, std::forward<F>(fn));
    }
    template <class F>
    auto read(F&& fn) {
        return storage::inTransaction(*db_, TxMode::Read, std::forward<F>(fn));
    }

    std::int64_t addCustomer(const std::string& canonical, Timestamp now) {
        return write([&](Transaction& tx) {
            storage::NewCustomer c;
            c.email = canonical;
            c.email_canonical = canonical;
            c.name = "Someone";
            return storage::CustomerRepository(tx).insert(c, now);
        });
    }

    const Timestamp t0 = testEpoch() + microseconds{123456};
    std::unique_ptr<TestDatabase> database_;
    std::unique_ptr<storage::Database> db_;
};

TEST_P(StorageRepositories, CustomerIsFoundByIdAndCanonicalEmail) {
    storage::NewCustomer jane;
    jane.email = "Jane.Doe+news@Example.COM";
    jane.email_canonical = "janedoe@example.com";
    jane.name = "Jane Doë";
    jane.company = "Acme Ltd";
    jane.trial_fixes_limit = 10;
    jane.auto_provisioned = true;
    storage::NewCustomer bob;
    bob.email = "bob@example.org";
    bob.email_canonical = "bob@example.org";
    bob.name = "Bob";
    bob.subscription_plan = "pro";
    bob.trial_fixes_limit = 0;

    const auto [jane_id, bob_id] = write([&](Transaction& tx) {
        storage::CustomerRepository repo(tx);
        return std::pair{repo.insert(jane, t0), repo.insert(bob, t0 + seconds{1})};
    });
    EXPECT_NE(jane_id, bob_id);

    read([&](Transaction& tx) {
        storage::CustomerRepository repo(tx);
        const auto c = repo.findById(jane_id);
        ASSERT_TRUE(c);
        EXPECT_EQ(c->id, jane_id);
        EXPECT_EQ(c->email, "Jane.Doe+news@Example.COM");
        EXPECT_EQ(c->email_canonical, "janedoe@example.com");
        EXPECT_EQ(c->name, "Jane Doë");
        EXPECT_EQ(c->company, "Acme Ltd");
        EXPECT_EQ(c->subscription_plan, "trial");
        EXPECT_EQ(c->trial_fixes_limit, 10);
        EXPECT_EQ(c->trial_fixes_used, 0);
        EXPECT_TRUE(c->auto_provisioned);
        EXPECT_EQ(c->onboarding_completed_at, std::nullopt);
        EXPECT_EQ(c->status, "active");
        EXPECT_EQ(c->created_at, t0);
        EXPECT_EQ(c->updated_at, t0);

        const auto by_email = repo.findByCanonicalEmail("janedoe@example.com");
        ASSERT_TRUE(by_email);
        EXPECT_EQ(by_email->id, jane_id);

        const auto b = repo.findByCanonicalEmail("bob@example.org");
        ASSERT_TRUE(b);
        EXPECT_EQ(b->id, bob_id);
        EXPECT_EQ(b->company, std::nullopt);
        EXPECT_EQ(b->subscription_plan, "pro");
        EXPECT_EQ(b->trial_fixes_limit, 0);
        EXPECT_FALSE(b->auto_provisioned);
        EXPECT_EQ(b->created_at, t0 + seconds{1});

        EXPECT_EQ(repo.findById(bob_id + jane_id + 1000), std::nullopt);
        EXPECT_EQ(repo.findByCanonicalEmail("Jane.Doe+news@Example.COM"), std::nullopt)
            << "lookup is by the canonical form only";
        EXPECT_EQ(repo.count(), 2);
    });
}

TEST_P(StorageRepositories, DuplicateCanonicalEmailIsUniqueViolation) {
    const auto first = addCustomer("jane@example.com", t0);
    try {
        write([&](Transaction& tx) {
            storage::NewCustomer again;
            again.email = "JANE@example.com";
            again.email_canonical = "jane@example.com";
            again.name = "Impostor";
            return storage::CustomerRepository(tx).insert(again, t0 + seconds{5});
        });
        FAIL() << "a second customer with the same canonical email was inserted";
    } catch (const StorageError& e) {
        EXPECT_EQ(e.kind(), StorageError::Kind::UniqueViolation) << e.what();
    }
    read([&](Transaction& tx) {
        storage::CustomerRepository repo(tx);
        EXPECT_EQ(repo.count(), 1);
        const auto c = repo.findByCanonicalEmail("jane@example.com");
        ASSERT_TRUE(c);
        EXPECT_EQ(c->id, first);
        EXPECT_EQ(c->name, "Someone");
    });
}

TEST_P(StorageRepositories, ConstraintViolationIsAStorageErrorAndLeavesNothing) {
    // Not a unique constraint: a CHECK (trial_fixes_limit >= 0). The caller gets an error it can turn into a 5xx.
    try {
        write([&](Transaction& tx) {
            storage::NewCustomer bad;
            bad.email = bad.email_canonical = "negative@example.com";
            bad.name = "Negative";
            bad.trial_fixes_limit = -1;
            return storage::CustomerRepository(tx).insert(bad, t0);
        });
        FAIL() << "a customer with a negative trial limit was stored";
    } catch (const StorageError& e) {
        EXPECT_NE(e.kind(), StorageError::Kind::UniqueViolation) << e.what();
    }
    EXPECT_EQ(read([](Transaction& tx) { return storage::CustomerRepository(tx).count(); }), 0);
    addCustomer("next@example.com", t0);
    EXPECT_EQ(read([](Transaction& tx) { return storage::CustomerRepository(tx).count(); }), 1);
}

TEST_P(StorageRepositories, ApiKeysAreFoundByHashAndListedNewestFirst) {
    const auto owner = addCustomer("owner@example.com", t0);
    const auto other = addCustomer("other@example.com", t0);
    const std::string hash1 = crypto::sha256Hex("rsolv_first");
    const std::string hash2 = crypto::sha256Hex("rsolv_second");
    const auto [id1, id2] = write([&](Transaction& tx) {
        storage::ApiKeyRepository keys(tx);
        return std::pair{keys.insert(owner, hash1, "rsolv_fir…", "Default key", t0),
                         keys.insert(owner, hash2, "rsolv_sec…", "CI key", t0 + minutes{1})};
    });

    read([&](Transaction& tx) {
        storage::ApiKeyRepository keys(tx);
        const auto k = keys.findByHash(hash1);
        ASSERT_TRUE(k);
        EXPECT_EQ(k->id, id1);
        EXPECT_EQ(k->customer_id, owner);
        EXPECT_EQ(k->key_hash, hash1);
        EXPECT_EQ(k->display_id, "rsolv_fir…");
        EXPECT_EQ(k->name, "Default key");
        EXPECT_EQ(k->created_at, t0);
        EXPECT_EQ(k->last_used_at, std::nullopt);
        EXPECT_EQ(k->revoked_at, std::nullopt);
        EXPECT_EQ(k->expires_at, std::nullopt);

        EXPECT_EQ(keys.findByHash(crypto::sha256Hex("rsolv_unknown")), std::nullopt);
        EXPECT_EQ(keys.findByHash("rsolv_first"), std::nullopt) << "found by the secret instead of its hash";

        const auto list = keys.listForCustomer(owner);
        ASSERT_EQ(list.size(), 2u);
        EXPECT_EQ(list[0].id, id2);
        EXPECT_EQ(list[0].name, "CI key");
        EXPECT_EQ(list[0].created_at, t0 + minutes{1});
        EXPECT_EQ(list[1].id, id1);
        EXPECT_TRUE(keys.listForCustomer(other).empty());
    });
}

TEST_P(StorageRepositories, DuplicateApiKeyHashIsUniqueViolation) {
    const auto owner = addCustomer("owner@example.com", t0);
    const auto other = addCustomer("other@example.com", t0);
    const std::string hash = crypto::sha256Hex("rsolv_first");
    write([&](Transaction& tx) { return storage::ApiKeyRepository(tx).insert(owner, hash, "a", "first", t0); });
    try {
        write([&](Transaction& tx) { return storage::ApiKeyRepository(tx).insert(other, hash, "b", "dup", t0); });
        FAIL() << "two keys with the same hash";
    } catch (const StorageError& e) {
        EXPECT_EQ(e.kind(), StorageError::Kind::UniqueViolation) << e.what();
    }
    read([&](Transaction& tx) {
        storage::ApiKeyRepository keys(tx);
        EXPECT_TRUE(keys.listForCustomer(other).empty());
        const auto k = keys.findByHash(hash);
        ASSERT_TRUE(k);
        EXPECT_EQ(k->customer_id, owner);
        EXPECT_EQ(k->name, "first");
    });
}

TEST_P(StorageRepositories, EventsKeepTheirDetailsWithOrWithoutACustomer) {
    const auto customer = addCustomer("events@example.com", t0);
    const nlohmann::json details = {{"plan", "trial"},
                                    {"trial_fixes_limit", 10},
                                    {"name", "Zoë 日本"},
                                    {"nested", {{"ok", true}, {"list", {1, 2, 3}}}},
                                    {"none", nullptr}};
    const std::string first_id = crypto::uuidV4();
    const std::string second_id = crypto::uuidV4();
    write([&](Transaction& tx) {
        storage::EventRepository events(tx);
        // Recorded out of order: the list is ordered by time.
        events.record({second_id, customer, "api_key_generated", "succeeded", "", t0 + seconds{1}});
        events.record({first_id, customer, "customer_created", "succeeded", details.dump(), t0});
    });
    write([&](Transaction& tx) {
        domain::recordEvent(tx, std::nullopt, domain::event::kSignupRejected, "rejected",
                            {{"reason", "rate_limited"}, {"ip", "203.0.113.9"}}, t0 + seconds{2});
    });

    read([&](Transaction& tx) {
        storage::EventRepository events(tx);
        const auto mine = events.listForCustomer(customer);
        ASSERT_EQ(mine.size(), 2u);
        EXPECT_EQ(mine[0].id, first_id);
        EXPECT_EQ(mine[0].customer_id, customer);
        EXPECT_EQ(mine[0].event_type, "customer_created");
        EXPECT_EQ(mine[0].status, "succeeded");
        EXPECT_EQ(mine[0].created_at, t0);
        EXPECT_EQ(nlohmann::json::parse(mine[0].details_json), details) << mine[0].details_json;
        EXPECT_EQ(mine[1].id, second_id);
        EXPECT_EQ(nlohmann::json::parse(mine[1].details_json), nlohmann::json::object())
            << "empty details are stored as {}";

        const auto rejected = events.listByType(std::string(domain::event::kSignupRejected), 10);
        ASSERT_EQ(rejected.size(), 1u);
        EXPECT_EQ(rejected[0].customer_id, std::nullopt);
        EXPECT_EQ(rejected[0].status, "rejected");
        EXPECT_EQ(rejected[0].created_at, t0 + seconds{2});
        EXPECT_EQ(nlohmann::json::parse(rejected[0].details_json),
                  (nlohmann::json{{"reason", "rate_limited"}, {"ip", "203.0.113.9"}}));

        EXPECT_TRUE(events.listForCustomer(customer + 1000).empty());
        EXPECT_EQ(events.listByType("customer_created", 10).size(), 1u);
    });
}

TEST_P(StorageRepositories, SessionIsInsertedFoundTouchedAndRemoved) {
    const auto customer = addCustomer("sessions@example.com", t0);
    const storage::SessionRecord s{crypto::sha256Hex("token-1"), customer, t0, t0, t0 + hours{12},
                                   "2001:db8::1", "Mozilla/5.0 (X11; Linux x86_64) Ünïcode"};
    write([&](Transaction& tx) { storage::SessionRepository(tx).insert(s); });

    read([&](Transaction& tx) {
        const auto found = storage::SessionRepository(tx).find(s.id_hash);
        ASSERT_TRUE(found);
        EXPECT_EQ(found->id_hash, s.id_hash);
        EXPECT_EQ(found->customer_id, customer);
        EXPECT_EQ(found->created_at, t0);
        EXPECT_EQ(found->last_seen_at, t0);
        EXPECT_EQ(found->expires_at, t0 + hours{12});
        EXPECT_EQ(found->ip, "2001:db8::1");
        EXPECT_EQ(found->user_agent, s.user_agent);
        EXPECT_EQ(storage::SessionRepository(tx).find(crypto::sha256Hex("token-2")), std::nullopt);
    });

    write([&](Transaction& tx) { storage::SessionRepository(tx).touch(s.id_hash, t0 + minutes{5} + microseconds{7}); });
    read([&](Transaction& tx) {
        const auto found = storage::SessionRepository(tx).find(s.id_hash);
        ASSERT_TRUE(found);
        EXPECT_EQ(found->last_seen_at, t0 + minutes{5} + microseconds{7});
        EXPECT_EQ(found->created_at, t0);
        EXPECT_EQ(found->expires_at, t0 + hours{12});
    });

    write([&](Transaction& tx) {
        storage::SessionRepository repo(tx);
        repo.remove(s.id_hash);
        repo.remove(crypto::sha256Hex("never-existed"));
    });
    read([&](Transaction& tx) { EXPECT_EQ(storage::SessionRepository(tx).find(s.id_hash), std::nullopt); });
}

TEST_P(StorageRepositories, FlashIsTakenOnceAndNeverAfterItExpires) {
    const auto customer = addCustomer("flash@example.com", t0);
    const std::string session = crypto::sha256Hex("flash-session");
    write([&](Transaction& tx) {
        storage::SessionRepository(tx).insert({session, customer, t0, t0, t0 + hours{12}, "", ""});
    });
    auto put = [&](const std::string& kind, const std::string& sealed, Timestamp expires) {
        write([&](Transaction& tx) { storage::FlashRepository(tx).put(session, kind, sealed, expires); });
    };
    auto take = [&](const std::string& kind, Timestamp now) {
        return write([&](Transaction& tx) { return storage::FlashRepository(tx).take(session, kind, now); });
    };

    put("new_key", "sealed-1", t0 + minutes{10});
    EXPECT_EQ(take("new_key", t0 + minutes{1}), "sealed-1");
    EXPECT_EQ(take("new_key", t0 + minutes{1}), std::nullopt) << "a flash is shown once";

    // Putting again replaces an unread flash of the same kind; other kinds are separate.
    put("new_key", "sealed-2", t0 + minutes{10});
    put("new_key", "sealed-3", t0 + minutes{10});
    put("other", "sealed-other", t0 + minutes{10});
    EXPECT_EQ(take("new_key", t0 + minutes{2}), "sealed-3");
    EXPECT_EQ(take("other", t0 + minutes{2}), "sealed-other");

    put("new_key", "sealed-4", t0 + minutes{10});
    EXPECT_EQ(take("new_key", t0 + minutes{10}), std::nullopt) << "expired at its expiry instant";
    EXPECT_EQ(take("new_key", t0 + minutes{3}), std::nullopt) << "an expired flash is erased when looked at";

    // Ending the session takes its flashes with it.
    put("new_key", "sealed-5", t0 + minutes{10});
    write([&](Transaction& tx) { storage::SessionRepository(tx).remove(session); });
    EXPECT_EQ(take("new_key", t0 + minutes{4}), std::nullopt);
}

INSTANTIATE_TEST_SUITE_P(Backends, StorageRepositories, kBothBackends, backendName);

}  // namespace
}  // namespace rsolv::test
