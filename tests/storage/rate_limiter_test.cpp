#include "domain/rate_limiter.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <latch>
#include <mutex>
#include <thread>

#include "support/test_app.h"

namespace rsolv::test {
namespace {

using namespace std::chrono;
using domain::RateDecision;
using domain::RateLimit;
using storage::Query;
using storage::StorageError;
using storage::Transaction;
using storage::TxMode;

constexpr Query kHitsInBucket{"SELECT at FROM rate_limit_hits WHERE bucket = $1 ORDER BY at"};

class StorageRateLimit : public ::testing::TestWithParam<Backend> {
protected:
    void SetUp() override {
        database_ = std::make_unique<TestDatabase>(GetParam());
        db_ = database_->open(16);
    }

    RateDecision admit(const std::vector<RateLimit>& limits, Timestamp now) {
        return storage::inTransaction(*db_, TxMode::Write,
                                      [&](Transaction& tx) { return domain::RateLimiter().admit(tx, limits, now); });
    }
    /// The hits stored for a bucket, oldest first.
    std::vector<Timestamp> hits(const std::string& bucket) {
        return storage::inTransaction(*db_, TxMode::Read, [&](Transaction& tx) {
            std::vector<Timestamp> out;
            const auto rs = tx.exec(kHitsInBucket, {bucket});
            for (size_t i = 0; i < rs.size(); ++i) out.push_back(rs[i].time("at"));
            return out;
        });
    }

    const Timestamp t0 = testEpoch();
    std::unique_ptr<TestDatabase> database_;
    std::unique_ptr<storage::Database> db_;
};

TEST_P(StorageRateLimit, FiftyConcurrentCallersGetExactlyTheLimit) {
    constexpr int kCallers = 50;
    const RateLimit limit{"signup:ip:203.0.113.9", 10, hours{1}};
    std::latch start(kCallers);
    std::atomic<int> allowed{0}, denied{0}, conflicts{0};
    std::mutex mutex;
    std::vector<std::string> errors;
    std::vector<std::thread> threads;
    for (int i = 0; i < kCallers; ++i) {
        threads.emplace_back([&, i] {
            start.arrive_and_wait();
            const Timestamp now = t0 + milliseconds{i};
            for (int attempt = 1;; ++attempt) {
                try {
                    // Counted only once the transaction has committed.
                    const RateDecision d = admit({limit}, now);
                    (d.allowed ? allowed : denied)++;
                    return;
                } catch (const StorageError& e) {
                    if (e.kind() == StorageError::Kind::Conflict && attempt < 5) {
                        conflicts++;
                        continue;
                    }
                    std::lock_guard lock(mutex);
                    errors.push_back(e.what());
                    return;
                } catch (const std::exception& e) {
                    std::lock_guard lock(mutex);
                    errors.push_back(e.what());
                    return;
                }
            }
        });
    }
    for (auto& t : threads) t.join();

    EXPECT_TRUE(errors.empty()) << errors.size() << " callers failed, first: " << errors.front();
    EXPECT_EQ(allowed.load(), 10) << conflicts.load() << " conflicts retried";
    EXPECT_EQ(denied.load(), kCallers - 10);
    EXPECT_EQ(hits(limit.bucket).size(), 10u);
}

TEST_P(StorageRateLimit, SlidingWindowForgetsExactlyTheHitsOlderThanTheWindow) {
    const RateLimit limit{"signup:email:jane@example.com", 10, minutes{60}};
    const std::vector<Duration> offsets = {seconds{0},  seconds{30}, minutes{2},  minutes{10}, minutes{20},
                                           minutes{30}, minutes{40}, minutes{45}, minutes{48}, minutes{50}};
    for (const auto offset : offsets) {
        const auto d = admit({limit}, t0 + offset);
        ASSERT_TRUE(d.allowed) << "hit at +" << duration_cast<seconds>(offset).count() << " s";
    }

    // Full: the oldest hit (t0) leaves the window at t0 + 60 min.
    {
        const auto now = t0 + minutes{50} + seconds{1};
        const auto d = admit({limit}, now);
        EXPECT_FALSE(d.allowed);
        EXPECT_EQ(d.denied_bucket, limit.bucket);
        EXPECT_EQ(d.retry_after, (t0 + minutes{60}) - now);
    }

    // At minute 61 the hits at +0 s and +30 s are over 60 minutes old and gone; the one at +2 min still counts.
    const Timestamp minute61 = t0 + minutes{61};
    EXPECT_TRUE(admit({limit}, minute61).allowed);
    EXPECT_TRUE(admit({limit}, minute61).allowed);
    {
        const auto d = admit({limit}, minute61);
        EXPECT_FALSE(d.allowed);
        EXPECT_EQ(d.retry_after, (t0 + minutes{2} + minutes{60}) - minute61);
        EXPECT_EQ(d.retry_after, minutes{1});
    }
    std::vector<Timestamp> expected;
    for (size_t i = 2; i < offsets.size(); ++i) expected.push_back(t0 + offsets[i]);
    expected.push_back(minute61);
    expected.push_back(minute61);
    EXPECT_EQ(hits(limit.bucket), expected) << "denied calls record nothing; expired hits are pruned";

    // To the microsecond: the hit at +2 min still counts 1 us before it is 60 minutes old, not 1 us after.
    EXPECT_FALSE(admit({limit}, t0 + minutes{62} - microseconds{1}).allowed);
    EXPECT_TRUE(admit({limit}, t0 + minutes{62} + microseconds{1}).allowed);
}

TEST_P(StorageRateLimit, OneFullBucketMeansNoHitInAnyOther) {
    const RateLimit per_ip{"signup:ip:198.51.100.7", 2, hours{1}};
    const RateLimit per_email{"signup:email:a@example.com", 5, hours{24}};
    EXPECT_TRUE(admit({per_ip}, t0).allowed);
    EXPECT_TRUE(admit({per_ip}, t0 + seconds{1}).allowed);

    for (const auto& limits : {std::vector<RateLimit>{per_ip, per_email}, std::vector<RateLimit>{per_email, per_ip}}) {
        const auto d = admit(limits, t0 + minutes{1});
        EXPECT_FALSE(d.allowed);
        EXPECT_EQ(d.denied_bucket, per_ip.bucket);
        EXPECT_EQ(d.retry_after, (t0 + hours{1}) - (t0 + minutes{1}));
    }
    EXPECT_TRUE(hits(per_email.bucket).empty()) << "a hit was recorded in the bucket that had room";
    EXPECT_EQ(hits(per_ip.bucket).size(), 2u);

    // The other bucket still has its whole allowance, and both count when both have room.
    const RateLimit other_ip{"signup:ip:198.51.100.8", 2, hours{1}};
    EXPECT_TRUE(admit({other_ip, per_email}, t0 + minutes{2}).allowed);
    EXPECT_EQ(hits(other_ip.bucket), std::vector<Timestamp>{t0 + minutes{2}});
    EXPECT_EQ(hits(per_email.bucket), std::vector<Timestamp>{t0 + minutes{2}});
    for (int i = 0; i < 4; ++i) EXPECT_TRUE(admit({per_email}, t0 + minutes{3} + seconds{i}).allowed);
    EXPECT_FALSE(admit({per_email}, t0 + minutes{4}).allowed);
    EXPECT_EQ(hits(per_email.bucket).size(), 5u);
}

INSTANTIATE_TEST_SUITE_P(Backends, StorageRateLimit, kBothBackends, backendName);

}  // namespace
}  // namespace rsolv::test
