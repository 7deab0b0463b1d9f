#include "domain/sessions.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <regex>

#include "common/crypto.h"
#include "storage/customer_repository.h"
#include "support/test_app.h"

namespace rsolv::test {
namespace {

using namespace std::chrono;
using storage::Query;
using storage::Transaction;
using storage::TxMode;

constexpr Query kAllSessionIds{"SELECT id_hash FROM sessions ORDER BY id_hash"};
constexpr Query kRowsMentioning{
    "SELECT COUNT(*) AS n FROM sessions WHERE id_hash = $1 OR ip = $1 OR user_agent = $1"};

/// True when `s` is well-formed UTF-8 (no truncated or overlong sequences), as PostgreSQL demands of TEXT.
bool isValidUtf8(const std::string& s) {
    size_t i = 0;
    while (i < s.size()) {
        const auto c = static_cast<unsigned char>(s[i]);
        size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
        if (n == 0 || i + n > s.size()) return false;
        for (size_t k = 1; k < n; ++k)
            if ((static_cast<unsigned char>(s[i + k]) >> 6) != 0x2) return false;
        i += n;
    }
    return true;
}

class StorageSessions : public ::testing::TestWithParam<Backend> {
protected:
    void SetUp() override {
        database_ = std::make_unique<TestDatabase>(GetParam());
        db_ = database_->open();
        customer_ = storage::inTransaction(*db_, TxMode::Write, [&](Transaction& tx) {
            storage::NewCustomer c;
            c.email = c.email_canonical = "jane@example.com";
            c.name = "Jane";
            return storage::CustomerRepository(tx).insert(c, t0);
        });
    }

    domain::StartedSession start(Timestamp now, const std::string& user_agent = "Mozilla/5.0 test") {
        return storage::inTransaction(*db_, TxMode::Write, [&](Transaction& tx) {
            return domain::startSession(tx, customer_, "203.0.113.9", user_agent, now, policy_);
        });
    }
    std::optional<storage::SessionRecord> resolve(const std::string& token, Timestamp now) {
        return storage::inTransaction(*db_, TxMode::Write,
                                      [&](Transaction& tx) { return domain::resolveSession(tx, token, now, policy_); });
    }
    /// The row as stored, without going through resolveSession (which touches and expires).
    std::optional<storage::SessionRecord> row(const std::string& id_hash) {
        return storage::inTransaction(*db_, TxMode::Read,
                                      [&](Transaction& tx) { return storage::SessionRepository(tx).find(id_hash); });
    }

    const Timestamp t0 = testEpoch() + microseconds{250};
    const domain::SessionPolicy policy_{};  // 30 min idle, 12 h absolute, touch at most once a minute
    std::unique_ptr<TestDatabase> database_;
    std::unique_ptr<storage::Database> db_;
    std::int64_t customer_ = 0;
};

TEST_P(StorageSessions, StoresOnlyTheSha256OfTheToken) {
    const auto s = start(t0);
    const auto other = start(t0);
    EXPECT_NE(s.token, other.token);
    EXPECT_GE(s.token.size(), 22u) << "at least 128 bits of randomness";
    EXPECT_EQ(s.id_hash, crypto::sha256Hex(s.token));
    EXPECT_TRUE(std::regex_match(s.id_hash, std::regex("^[0-9a-f]{64}$")));

    const auto stored = storage::inTransaction(*db_, TxMode::Read, [&](Transaction& tx) {
        std::vector<std::string> ids;
        const auto rs = tx.exec(kAllSessionIds);
        for (size_t i = 0; i < rs.size(); ++i) ids.push_back(rs[i].str("id_hash"));
        return ids;
    });
    std::vector<std::string> expected = {crypto::sha256Hex(s.token), crypto::sha256Hex(other.token)};
    std::sort(expected.begin(), expected.end());
    EXPECT_EQ(stored, expected);

    const auto mentioning = storage::inTransaction(*db_, TxMode::Read, [&](Transaction& tx) {
        return tx.exec(kRowsMentioning, {s.token}).front().i64("n");
    });
    EXPECT_EQ(mentioning, 0) << "the cookie token itself is in the sessions table";

    EXPECT_EQ(row(s.token), std::nullopt);
    const auto found = resolve(s.token, t0 + seconds{1});
    ASSERT_TRUE(found);
    EXPECT_EQ(found->customer_id, customer_);
    EXPECT_EQ(found->id_hash, s.id_hash);
    EXPECT_EQ(resolve(s.id_hash, t0 + seconds{1}), std::nullopt) << "the stored hash must not work as a cookie";
}

TEST_P(StorageSessions, RecordsStartTimesAndTheAbsoluteExpiry) {
    const auto s = start(t0);
    const auto r = row(s.id_hash);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->created_at, t0);
    EXPECT_EQ(r->last_seen_at, t0);
    EXPECT_EQ(r->expires_at, t0 + hours{12});
    EXPECT_EQ(r->ip, "203.0.113.9");
    EXPECT_EQ(r->user_agent, "Mozilla/5.0 test");
}

TEST_P(StorageSessions, IdleTimeoutEndsTheSessionAfterThirtyQuietMinutes) {
    const auto quiet = start(t0);
    const auto active = start(t0);
    EXPECT_TRUE(resolve(active.token, t0 + minutes{30} - microseconds{1}));
    EXPECT_EQ(resolve(quiet.token, t0 + minutes{30}), std::nullopt);
    EXPECT_EQ(row(quiet.id_hash), std::nullopt) << "an idle session is deleted when seen";
    // The active one was touched just before its idle limit, so it lives another 30 minutes from there.
    EXPECT_TRUE(resolve(active.token, t0 + minutes{59}));
    EXPECT_EQ(resolve(active.token, t0 + minutes{89}), std::nullopt);
    EXPECT_EQ(row(active.id_hash), std::nullopt);
}

TEST_P(StorageSessions, AbsoluteTimeoutEndsEvenABusySessionAfterTwelveHours) {
    const auto s = start(t0);
    for (auto now = t0 + minutes{20}; now < t0 + hours{12}; now += minutes{20})
        ASSERT_TRUE(resolve(s.token, now)) << "dropped at +" << duration_cast<minutes>(now - t0).count() << " min";
    EXPECT_TRUE(resolve(s.token, t0 + hours{12} - microseconds{1}));
    EXPECT_EQ(resolve(s.token, t0 + hours{12}), std::nullopt);
    EXPECT_EQ(row(s.id_hash), std::nullopt);
}

TEST_P(StorageSessions, LastSeenIsWrittenAtMostOncePerMinute) {
    const auto s = start(t0);
    const auto soon = resolve(s.token, t0 + seconds{30});
    ASSERT_TRUE(soon);
    EXPECT_EQ(soon->last_seen_at, t0);
    EXPECT_EQ(row(s.id_hash)->last_seen_at, t0) << "written again 30 s after the last write";

    const auto later = resolve(s.token, t0 + minutes{2});
    ASSERT_TRUE(later);
    EXPECT_EQ(later->last_seen_at, t0 + minutes{2});
    EXPECT_EQ(row(s.id_hash)->last_seen_at, t0 + minutes{2});

    ASSERT_TRUE(resolve(s.token, t0 + minutes{2} + seconds{59}));
    EXPECT_EQ(row(s.id_hash)->last_seen_at, t0 + minutes{2});
    ASSERT_TRUE(resolve(s.token, t0 + minutes{3}));
    EXPECT_EQ(row(s.id_hash)->last_seen_at, t0 + minutes{3});
    EXPECT_EQ(row(s.id_hash)->expires_at, t0 + hours{12}) << "touching never extends the absolute timeout";
}

TEST_P(StorageSessions, EndSessionRemovesOnlyThatSession) {
    const auto ending = start(t0);
    const auto staying = start(t0);
    storage::inTransaction(*db_, TxMode::Write, [&](Transaction& tx) { domain::endSession(tx, ending.token); });
    EXPECT_EQ(row(ending.id_hash), std::nullopt);
    EXPECT_EQ(resolve(ending.token, t0 + seconds{1}), std::nullopt);
    EXPECT_TRUE(resolve(staying.token, t0 + seconds{1}));
    // Ending an unknown or already ended session is harmless.
    storage::inTransaction(*db_, TxMode::Write, [&](Transaction& tx) {
        domain::endSession(tx, ending.token);
        domain::endSession(tx, "never-issued");
    });
    EXPECT_TRUE(row(staying.id_hash));
}

TEST_P(StorageSessions, UnknownOrMalformedTokensResolveToNothing) {
    start(t0);
    EXPECT_EQ(resolve("", t0), std::nullopt);
    EXPECT_EQ(resolve(crypto::randomToken(32), t0), std::nullopt);
    EXPECT_EQ(resolve(std::string(101, 'a'), t0), std::nullopt);
}

TEST_P(StorageSessions, LongUserAgentIsStoredCutOnACharacterBoundary) {
    // 299 ASCII bytes, then "é" (2 bytes) straddling byte 300: a byte cut at 300 leaves half a character.
    const std::string agent = std::string(299, 'a') + "é and more text after it";
    std::optional<domain::StartedSession> s;
    try {
        s = start(t0, agent);
    } catch (const std::exception& e) {
        FAIL() << "signing in with a long non-ASCII User-Agent failed: " << e.what();
    }
    const auto r = row(s->id_hash);
    ASSERT_TRUE(r);
    EXPECT_LE(r->user_agent.size(), 300u);
    EXPECT_GE(r->user_agent.size(), 299u);
    EXPECT_TRUE(isValidUtf8(r->user_agent)) << "stored user agent ends in half a UTF-8 character";
    EXPECT_EQ(agent.rfind(r->user_agent, 0), 0u) << "stored user agent is not a prefix of the one sent";
}

INSTANTIATE_TEST_SUITE_P(Backends, StorageSessions, kBothBackends, backendName);

}  // namespace
}  // namespace rsolv::test
