// The durable job queue on both backends (rules.md #8): unique keys under concurrency, leases that expire and are
// rescued, completion fenced by the lease token, bounded jittered backoff, a visible dead state, pruning.

#include "jobs/job_queue.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <functional>
#include <latch>
#include <set>
#include <thread>
#include <vector>

#include "jobs/job_rows.h"
#include "support/test_app.h"

namespace rsolv::test {
namespace {

using namespace std::chrono_literals;
using jobs::JobQueue;
using jobs::NewJob;

std::int64_t countWhere(storage::Database& db, const std::function<bool(const JobRow&)>& pred) {
    std::int64_t n = 0;
    for (const auto& j : allJobs(db)) n += pred(j);
    return n;
}

void enqueueJob(storage::Database& db, const NewJob& job, Timestamp now) {
    ASSERT_TRUE(storage::inTransaction(db, storage::TxMode::Write,
                                       [&](storage::Transaction& tx) { return jobs::enqueue(tx, job, now); }));
}

NewJob job(const std::string& kind, Timestamp run_at, std::optional<std::string> key = std::nullopt,
           int max_attempts = 8) {
    NewJob j;
    j.kind = kind;
    j.payload = {{"n", 1}};
    j.unique_key = std::move(key);
    j.run_at = run_at;
    j.max_attempts = max_attempts;
    return j;
}

class JobsQueue : public ::testing::TestWithParam<Backend> {
protected:
    TestDatabase database_{GetParam()};
    std::unique_ptr<storage::Database> db_ = database_.open(12);
    ManualClock clock_{testEpoch()};
};

TEST_P(JobsQueue, UniqueJobEnqueuedFromTenThreadsAtOnceIsStoredOnce) {
    constexpr int kThreads = 10;
    std::latch start(kThreads);
    std::atomic<int> inserted{0};
    std::atomic<int> errors{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < kThreads; ++i)
        threads.emplace_back([&, i] {
            start.arrive_and_wait();
            try {
                NewJob j = job("email.welcome", clock_.now(), "email.welcome:42");
                j.payload = {{"customer_id", 42}, {"thread", i}};
                const bool ok = storage::inTransaction(*db_, storage::TxMode::Write, [&](storage::Transaction& tx) {
                    return jobs::enqueue(tx, j, clock_.now());
                });
                if (ok) ++inserted;
            } catch (const std::exception& e) {
                ++errors;
                ADD_FAILURE() << "enqueue from thread " << i << " threw: " << e.what();
            }
        });
    for (auto& t : threads) t.join();

    EXPECT_EQ(errors.load(), 0);
    EXPECT_EQ(inserted.load(), 1) << "exactly one enqueue reports that it created the job";
    const auto rows = allJobs(*db_);
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0].unique_key, "email.welcome:42");
    EXPECT_EQ(rows[0].state, "available");
    EXPECT_EQ(rows[0].attempts, 0);
}

TEST_P(JobsQueue, KilledWorkersJobIsRescuedAfterItsLeaseAndItsStaleTokenChangesNothing) {
    enqueueJob(*db_, job("test.work", clock_.now()), clock_.now());
    JobQueue killed(*db_, clock_, "worker-killed", 1s);
    JobQueue survivor(*db_, clock_, "worker-survivor", 60s);

    const auto claimed = killed.claim(5);
    ASSERT_EQ(claimed.size(), 1u);
    const jobs::Job stale = claimed[0];
    EXPECT_EQ(stale.attempts, 1);
    {
        const auto row = jobById(*db_, stale.id);
        ASSERT_TRUE(row);
        EXPECT_EQ(row->state, "running");
        EXPECT_EQ(row->lease_owner, "worker-killed");
        ASSERT_TRUE(row->lease_expires_at);
        EXPECT_EQ(*row->lease_expires_at, clock_.now() + 1s);
    }
    // While the lease holds, nobody else gets the job and nothing is rescued.
    EXPECT_TRUE(survivor.claim(5).empty());
    EXPECT_EQ(survivor.rescueExpired(), 0);

    // The worker dies: it never finishes. Two seconds later its lease has expired.
    clock_.advance(2s);
    EXPECT_EQ(survivor.rescueExpired(), 1);
    {
        const auto row = jobById(*db_, stale.id);
        ASSERT_TRUE(row);
        EXPECT_EQ(row->state, "retryable");
        EXPECT_EQ(row->attempts, 1);
        EXPECT_FALSE(row->lease_owner);
        EXPECT_FALSE(row->lease_token);
        ASSERT_TRUE(row->last_error);
        EXPECT_NE(row->last_error->find("lease expired"), std::string::npos) << *row->last_error;
        EXPECT_LE(row->run_at, clock_.now());
    }
    // The stale token can do nothing while the job waits...
    EXPECT_FALSE(killed.heartbeat(stale));
    EXPECT_FALSE(killed.complete(stale, std::string(R"({"stale":true})")));
    EXPECT_EQ(jobById(*db_, stale.id)->state, "retryable");

    // ...nor while another worker runs it...
    const auto again = survivor.claim(5);
    ASSERT_EQ(again.size(), 1u);
    EXPECT_EQ(again[0].id, stale.id);
    EXPECT_EQ(again[0].attempts, 2);
    EXPECT_NE(again[0].lease_token, stale.lease_token);
    EXPECT_FALSE(killed.complete(stale, std::string(R"({"stale":true})")));
    EXPECT_FALSE(killed.fail(stale, "stale failure"));
    EXPECT_FALSE(killed.bury(stale, "stale burial"));
    EXPECT_FALSE(killed.release(stale));
    EXPECT_FALSE(killed.heartbeat(stale));
    {
        const auto row = jobById(*db_, stale.id);
        EXPECT_EQ(row->state, "running");
        EXPECT_EQ(row->lease_owner, "worker-survivor");
        EXPECT_EQ(row->lease_token, again[0].lease_token);
        EXPECT_EQ(row->attempts, 2);
    }

    // ...and the survivor's completion stands.
    EXPECT_TRUE(survivor.complete(again[0]));
    const auto before = jobById(*db_, stale.id);
    ASSERT_TRUE(before);
    EXPECT_EQ(before->state, "completed");
    clock_.advance(1s);
    EXPECT_FALSE(killed.complete(stale, std::string(R"({"stale":true})")));
    const auto after = jobById(*db_, stale.id);
    ASSERT_TRUE(after);
    EXPECT_EQ(after->state, "completed");
    EXPECT_EQ(after->payload, before->payload);
    EXPECT_EQ(after->attempts, 2);
    EXPECT_EQ(after->finished_at, before->finished_at);
    EXPECT_FALSE(after->last_error) << "a completed job keeps no error";
}

TEST_P(JobsQueue, RescuedJobWithNoAttemptsLeftIsDead) {
    enqueueJob(*db_, job("test.work", clock_.now(), std::nullopt, 1), clock_.now());
    JobQueue killed(*db_, clock_, "worker-killed", 1s);
    ASSERT_EQ(killed.claim(1).size(), 1u);
    clock_.advance(5s);
    JobQueue other(*db_, clock_, "worker-other", 60s);
    EXPECT_EQ(other.rescueExpired(), 1);
    const auto rows = allJobs(*db_);
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0].state, "dead");
    EXPECT_EQ(rows[0].finished_at, clock_.now());
    ASSERT_TRUE(rows[0].last_error);
    EXPECT_NE(rows[0].last_error->find("lease expired"), std::string::npos);
    EXPECT_TRUE(other.claim(5).empty());
}

TEST_P(JobsQueue, ClaimTakesOnlyDueJobsAndEachOnlyOnce) {
    enqueueJob(*db_, job("test.now", clock_.now()), clock_.now());
    enqueueJob(*db_, job("test.later", clock_.now() + 1h), clock_.now());
    JobQueue a(*db_, clock_, "a", 60s);
    JobQueue b(*db_, clock_, "b", 60s);
    const auto first = a.claim(10);
    ASSERT_EQ(first.size(), 1u);
    EXPECT_EQ(first[0].kind, "test.now");
    EXPECT_TRUE(b.claim(10).empty()) << "a running job is not claimed twice; a future one not at all";
    clock_.advance(1h);
    const auto second = b.claim(10);
    ASSERT_EQ(second.size(), 1u);
    EXPECT_EQ(second[0].kind, "test.later");
}

TEST_P(JobsQueue, FailedJobIsRescheduledWithinTheJitteredBackoffAndNeverBeyondTheCap) {
    const jobs::RetryPolicy policy{10s, 80s};
    enqueueJob(*db_, job("test.flaky", clock_.now(), std::nullopt, 10), clock_.now());
    JobQueue queue(*db_, clock_, "w", 60s, policy);
    for (int attempt = 1; attempt <= 9; ++attempt) {
        SCOPED_TRACE("attempt " + std::to_string(attempt));
        const auto claimed = queue.claim(1);
        ASSERT_EQ(claimed.size(), 1u);
        ASSERT_EQ(claimed[0].attempts, attempt);
        EXPECT_EQ(queue.fail(claimed[0], "flaky " + std::to_string(attempt)), "retryable");
        const auto row = allJobs(*db_).at(0);
        EXPECT_EQ(row.state, "retryable");
        EXPECT_EQ(row.last_error, "flaky " + std::to_string(attempt));
        const Duration delay = row.run_at - clock_.now();
        const Duration ceiling = std::min<Duration>(Duration(10s) * (1 << (attempt - 1)), Duration(80s));
        EXPECT_GE(delay, ceiling / 2);
        EXPECT_LE(delay, ceiling);
        // Not due before its time, due at it.
        EXPECT_TRUE(queue.claim(1).empty());
        clock_.set(row.run_at);
    }
    const auto last = queue.claim(1);
    ASSERT_EQ(last.size(), 1u);
    EXPECT_EQ(queue.fail(last[0], "flaky 10"), "dead");
    const auto row = allJobs(*db_).at(0);
    EXPECT_EQ(row.state, "dead");
    EXPECT_EQ(row.attempts, 10);
    EXPECT_EQ(row.last_error, "flaky 10");
    EXPECT_TRUE(row.finished_at);
    clock_.advance(24h);
    EXPECT_TRUE(queue.claim(1).empty()) << "a dead job stays dead";
}

TEST_P(JobsQueue, PruneFinishedRemovesOnlyCompletedJobsOlderThanTheCutoff) {
    const Timestamp t0 = clock_.now();
    enqueueJob(*db_, job("test.old_completed", t0), t0);
    enqueueJob(*db_, job("test.old_dead", t0), t0);
    JobQueue queue(*db_, clock_, "w", 60s);
    for (const auto& j : queue.claim(10)) {
        if (j.kind == "test.old_completed") { EXPECT_TRUE(queue.complete(j)); }
        if (j.kind == "test.old_dead") { EXPECT_TRUE(queue.bury(j, "permanent")); }
    }
    enqueueJob(*db_, job("test.old_waiting", t0 + 30 * 24h), t0);  // created long ago, still to run
    clock_.set(t0 + 10 * 24h);
    enqueueJob(*db_, job("test.recent_completed", clock_.now()), clock_.now());
    for (const auto& j : queue.claim(10)) EXPECT_TRUE(queue.complete(j));

    EXPECT_EQ(queue.pruneFinished(7 * 24h), 1);
    std::vector<std::string> left;
    for (const auto& j : allJobs(*db_)) left.push_back(j.kind + ":" + j.state);
    EXPECT_EQ(left, (std::vector<std::string>{"test.old_dead:dead", "test.old_waiting:available",
                                              "test.recent_completed:completed"}));
    EXPECT_EQ(queue.pruneFinished(7 * 24h), 0);
    EXPECT_EQ(countWhere(*db_, [](const JobRow& j) { return j.state == "dead"; }), 1)
        << "dead jobs stay visible until someone looks at them";
}

INSTANTIATE_TEST_SUITE_P(Backends, JobsQueue, kBothBackends, backendName);

/// backoffDelay itself: a pure function, checked on a grid of attempts and random draws.
class JobsBackoff : public ::testing::TestWithParam<Backend> {};

TEST_P(JobsBackoff, DelayIsJitteredBetweenHalfTheCeilingAndTheCeilingWhichGrowsUpToTheCap) {
    const jobs::RetryPolicy policy{15s, 1h};
    const double draws[] = {0.0, 0.1, 0.5, 0.9, 0.999999};
    Duration previous_ceiling{0};
    for (int attempt = 1; attempt <= 64; ++attempt) {
        SCOPED_TRACE("attempt " + std::to_string(attempt));
        const double raw = 15.0 * std::pow(2.0, std::min(attempt - 1, 30));
        const Duration ceiling = std::chrono::duration_cast<Duration>(
            std::chrono::duration<double>(std::min(raw, 3600.0)));
        for (double r : draws) {
            const Duration d = jobs::backoffDelay(attempt, policy, r);
            EXPECT_LE(d, Duration(1h)) << "never above the cap (r=" << r << ")";
            EXPECT_GE(d, ceiling / 2) << "r=" << r;
            EXPECT_LE(d, ceiling) << "r=" << r;
        }
        EXPECT_EQ(jobs::backoffDelay(attempt, policy, 0.0), ceiling / 2);
        const Duration top = jobs::backoffDelay(attempt, policy, 0.999999);
        EXPECT_GE(top, ceiling - ceiling / 100000);
        EXPECT_GE(ceiling, previous_ceiling) << "the ceiling never shrinks";
        if (ceiling < Duration(1h)) {
            EXPECT_EQ(ceiling, previous_ceiling == Duration(0) ? Duration(15s) : previous_ceiling * 2);
        }
        previous_ceiling = ceiling;
    }
    EXPECT_EQ(jobs::backoffDelay(1, policy, 0.0), Duration(7500ms));
    EXPECT_EQ(jobs::backoffDelay(2, policy, 0.0), Duration(15s));
    EXPECT_EQ(jobs::backoffDelay(100000, policy, 0.0), Duration(30min));
    EXPECT_EQ(jobs::backoffDelay(100000, policy, 0.999999), jobs::backoffDelay(200, policy, 0.999999));
    // Out-of-range inputs stay within bounds.
    EXPECT_EQ(jobs::backoffDelay(0, policy, 0.0), Duration(7500ms));
    EXPECT_EQ(jobs::backoffDelay(-5, policy, 0.0), Duration(7500ms));
    EXPECT_EQ(jobs::backoffDelay(3, policy, -1.0), Duration(30s));
    EXPECT_EQ(jobs::backoffDelay(3, policy, 7.0), Duration(60s));
}

TEST_P(JobsBackoff, DrawsSpreadAcrossTheJitterWindow) {
    // Through the queue: the delays chosen for many first failures are not all the same (the jitter is real).
    TestDatabase database(GetParam());
    auto db = database.open(4);
    ManualClock clock(testEpoch());
    const jobs::RetryPolicy policy{100s, 1h};
    JobQueue queue(*db, clock, "w", 60s, policy);
    storage::inTransaction(*db, storage::TxMode::Write, [&](storage::Transaction& tx) {
        for (int i = 0; i < 40; ++i) jobs::enqueue(tx, job("test.flaky", clock.now()), clock.now());
    });
    std::set<Duration> delays;
    for (const auto& j : queue.claim(40)) EXPECT_EQ(queue.fail(j, "x"), "retryable");
    for (const auto& row : allJobs(*db)) {
        const Duration d = row.run_at - clock.now();
        EXPECT_GE(d, Duration(50s));
        EXPECT_LE(d, Duration(100s));
        delays.insert(d);
    }
    EXPECT_GT(delays.size(), 20u) << "40 draws in a 50 s window with microsecond resolution";
}

INSTANTIATE_TEST_SUITE_P(Backends, JobsBackoff, kBothBackends, backendName);

}  // namespace
}  // namespace rsolv::test
