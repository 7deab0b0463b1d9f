// The job worker on both backends: several workers share one queue and run every job exactly once; retries end in a
// visible dead state; heartbeats keep the lease of every claimed job, and a worker never starts or sends for a job
// whose lease it lost; stopping gives back what was claimed but not started. Time is manual (wall and monotonic)
// wherever a test depends on it; nothing sleeps to synchronise.

#include "jobs/worker.h"

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <set>
#include <condition_variable>
#include <mutex>
#include <vector>

#include "common/monotonic_clock.h"

#include "jobs/job_rows.h"
#include "jobs/recording_handler.h"
#include "support/test_app.h"

namespace rsolv::test {
namespace {

using namespace std::chrono_literals;
using jobs::JobOutcome;
using jobs::JobQueue;
using jobs::Worker;
using jobs::WorkerOptions;

void enqueueMany(storage::Database& db, const std::string& kind, int n, Timestamp now, int max_attempts = 8) {
    storage::inTransaction(db, storage::TxMode::Write, [&](storage::Transaction& tx) {
        for (int i = 0; i < n; ++i) {
            jobs::NewJob j;
            j.kind = kind;
            j.payload = {{"i", i}};
            j.run_at = now;
            j.max_attempts = max_attempts;
            ASSERT_TRUE(jobs::enqueue(tx, j, now));
        }
    });
}

WorkerOptions fastOptions(int threads, int batch) {
    WorkerOptions o;
    o.threads = threads;
    o.batch = batch;
    o.poll_interval = 20ms;
    return o;
}

/// Moves wall and monotonic time on together, one second at a time, and after each second waits until the
/// worker's `sleepers` timed threads (the heartbeat, idle loops) are asleep again: whatever that second woke is done.
void passSeconds(ManualClock& clock, ManualMonotonicClock& ticks, int seconds, int sleepers) {
    for (int i = 0; i < seconds; ++i) {
        clock.advance(1s);
        ticks.advance(1s);
        ASSERT_TRUE(ticks.waitForSleepers(sleepers)) << "the worker's timed threads did not settle";
    }
}

/// Counts events across threads; a test waits for a number of them.
class Tally {
public:
    void add() {
        {
            std::lock_guard lock(mutex_);
            ++n_;
        }
        cv_.notify_all();
    }
    bool waitFor(int n, std::chrono::milliseconds timeout) {
        std::unique_lock lock(mutex_);
        return cv_.wait_for(lock, timeout, [&] { return n_ >= n; });
    }

private:
    std::mutex mutex_;
    std::condition_variable cv_;
    int n_ = 0;
};

class JobsWorker : public ::testing::TestWithParam<Backend> {};

TEST_P(JobsWorker, ThousandJobsAcrossFourWorkersEachRunExactlyOnce) {
    constexpr int kJobs = 1000;
    constexpr int kWorkers = 4;
    TestDatabase database(GetParam());
    auto setup = database.open(2);
    SystemClock clock;
    enqueueMany(*setup, "test.count", kJobs, clock.now());

    // Each worker as if in its own process: its own Database (connections), queue, owner name and threads.
    std::vector<std::unique_ptr<storage::Database>> dbs;
    std::vector<std::unique_ptr<JobQueue>> queues;
    std::vector<std::unique_ptr<RecordingHandler>> handlers;
    std::vector<std::unique_ptr<Worker>> workers;
    Tally finished;
    for (int w = 0; w < kWorkers; ++w) {
        dbs.push_back(database.open(4));
        queues.push_back(std::make_unique<JobQueue>(*dbs.back(), clock, "worker-" + std::to_string(w), 60s));
        handlers.push_back(std::make_unique<RecordingHandler>([&](const jobs::Job&) {
            finished.add();
            return JobOutcome::done();
        }));
        workers.push_back(std::make_unique<Worker>(*queues.back(), fastOptions(2, 10)));
        workers.back()->addHandler("test.count", *handlers.back());
    }
    for (auto& w : workers) w->start();
    EXPECT_TRUE(finished.waitFor(kJobs, 60s));
    for (auto& w : workers) w->requestStop();
    for (auto& w : workers) w->join();

    std::multiset<std::int64_t> ran;
    int busy_workers = 0;
    for (auto& h : handlers) {
        const auto mine = h->ran();
        busy_workers += !mine.empty();
        ran.insert(mine.begin(), mine.end());
    }
    EXPECT_EQ(ran.size(), size_t(kJobs));
    std::map<std::int64_t, size_t> twice;
    for (auto id : std::set<std::int64_t>(ran.begin(), ran.end()))
        if (ran.count(id) != 1) twice[id] = ran.count(id);
    EXPECT_TRUE(twice.empty()) << twice.size() << " job(s) ran more than once, e.g. job " << twice.begin()->first
                               << " " << twice.begin()->second << " times";
    const auto rows = allJobs(*setup);
    ASSERT_EQ(rows.size(), size_t(kJobs));
    int completed = 0, first_try = 0;
    for (const auto& j : rows) {
        completed += j.state == "completed";
        first_try += j.attempts == 1;
        EXPECT_EQ(ran.count(j.id), 1u) << "job " << j.id;
    }
    EXPECT_EQ(completed, kJobs);
    EXPECT_EQ(first_try, kJobs);
    EXPECT_GE(busy_workers, 2) << "the workers shared the queue";
}

TEST_P(JobsWorker, JobThatKeepsFailingIsDeadAfterMaxAttemptsWithItsLastError) {
    TestDatabase database(GetParam());
    auto db = database.open(4);
    ManualClock clock(testEpoch());
    JobQueue queue(*db, clock, "w", 60s, jobs::RetryPolicy{1s, 10s});
    RecordingHandler handler([](const jobs::Job& j) {
        return JobOutcome::retry("attempt " + std::to_string(j.attempts) + ": upstream said no");
    });
    Worker worker(queue, fastOptions(1, 10));
    worker.addHandler("test.flaky", handler);
    enqueueMany(*db, "test.flaky", 1, clock.now(), 3);

    EXPECT_EQ(worker.drain(), 1);
    EXPECT_EQ(worker.drain(), 0) << "not due again before its backoff";
    auto row = allJobs(*db).at(0);
    EXPECT_EQ(row.state, "retryable");
    EXPECT_EQ(row.last_error, "attempt 1: upstream said no");
    clock.advance(1min);
    EXPECT_EQ(worker.drain(), 1);
    EXPECT_EQ(allJobs(*db).at(0).state, "retryable");
    EXPECT_TRUE(handler.dead().empty());
    clock.advance(1min);
    EXPECT_EQ(worker.drain(), 1);

    row = allJobs(*db).at(0);
    EXPECT_EQ(row.state, "dead");
    EXPECT_EQ(row.attempts, 3);
    EXPECT_EQ(row.last_error, "attempt 3: upstream said no");
    EXPECT_EQ(row.finished_at, clock.now());
    EXPECT_FALSE(row.lease_token);
    EXPECT_EQ(handler.attemptsSeen(), (std::vector<int>{1, 2, 3}));
    const auto dead = handler.dead();
    ASSERT_EQ(dead.size(), 1u) << "the handler hears about the dead job once";
    EXPECT_EQ(dead[0].first, row.id);
    EXPECT_EQ(dead[0].second, "attempt 3: upstream said no");
    clock.advance(24h);
    EXPECT_EQ(worker.drain(), 0);
}

TEST_P(JobsWorker, ExceptionIsARetryAndAnUnknownKindIsDeadAtOnce) {
    TestDatabase database(GetParam());
    auto db = database.open(4);
    ManualClock clock(testEpoch());
    JobQueue queue(*db, clock, "w", 60s);
    RecordingHandler throwing([](const jobs::Job&) -> JobOutcome { throw std::runtime_error("handler blew up"); });
    Worker worker(queue, fastOptions(1, 10));
    worker.addHandler("test.throws", throwing);
    enqueueMany(*db, "test.throws", 1, clock.now());
    enqueueMany(*db, "test.nobody_handles_this", 1, clock.now());

    EXPECT_EQ(worker.drain(), 2);
    const auto rows = allJobs(*db);
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_EQ(rows[0].state, "retryable");
    EXPECT_EQ(rows[0].last_error, "handler blew up");
    EXPECT_EQ(rows[1].state, "dead");
    EXPECT_EQ(rows[1].attempts, 1);
    ASSERT_TRUE(rows[1].last_error);
    EXPECT_NE(rows[1].last_error->find("no handler"), std::string::npos) << *rows[1].last_error;
}

TEST_P(JobsWorker, HeartbeatsKeepALongJobsLeaseSoNobodyRescuesIt) {
    TestDatabase database(GetParam());
    auto db = database.open(4);
    auto other_db = database.open(2);
    ManualClock clock(testEpoch());
    ManualMonotonicClock ticks;
    JobQueue queue(*db, clock, "slow-worker", 3s);
    Gate gate;
    RecordingHandler slow([&](const jobs::Job&) {
        gate.wait(30s);
        return JobOutcome::done();
    });
    Worker worker(queue, fastOptions(1, 1), ticks);  // heartbeats every second: a third of the lease
    worker.addHandler("test.slow", slow);
    enqueueMany(*db, "test.slow", 1, clock.now());

    worker.start();
    ASSERT_TRUE(slow.waitForRuns(1, 10s));
    ASSERT_TRUE(ticks.waitForSleepers(1));
    JobQueue rescuer(*other_db, clock, "rescuer", 60s);
    int rescued = 0;
    for (int second = 0; second < 10; ++second) {  // ten seconds of a job that takes long, three leases' worth
        passSeconds(clock, ticks, 1, 1);
        rescued += rescuer.rescueExpired();
    }
    gate.open();
    worker.requestStop();
    worker.join();
    EXPECT_EQ(rescued, 0) << "the lease of a job whose worker is alive must not expire";
    const auto row = allJobs(*db).at(0);
    EXPECT_EQ(row.state, "completed");
    EXPECT_EQ(row.attempts, 1);
    EXPECT_EQ(slow.ran().size(), 1u);
}

/// A mail server as the jobs below see it: remembers which job sent, and can hold the first send until released.
class SlowMailbox {
public:
    /// Sends for `job` as a mail job does: confirms the lease right before the send, then "sends".
    JobOutcome send(const jobs::Job& job, jobs::JobLease& lease) {
        if (!lease.confirm()) return JobOutcome::abandon("lease lost");
        bool hold = false;
        {
            std::lock_guard lock(mutex_);
            sent_.push_back(job.id);
            hold = sent_.size() == 1;
        }
        if (hold) gate_.wait(30s);  // the first message takes as long as the test wants
        return JobOutcome::done();
    }
    void release() { gate_.open(); }
    std::multiset<std::int64_t> sent() const {
        std::lock_guard lock(mutex_);
        return {sent_.begin(), sent_.end()};
    }

private:
    mutable std::mutex mutex_;
    std::vector<std::int64_t> sent_;
    Gate gate_;
};

TEST_P(JobsWorker, SlowSendsWithSeveralWorkersAndAShortLeaseSendEachEmailOnce) {
    // Issue 10, defect 1: a worker claims a batch and runs it one job at a time; while the first send takes longer
    // than the lease, the rest of the batch must stay leased, or a second worker rescues and sends them too.
    TestDatabase database(GetParam());
    auto db_a = database.open(4);
    auto db_b = database.open(4);
    ManualClock clock(testEpoch());
    ManualMonotonicClock ticks;
    SlowMailbox smtp;
    auto handler_a = RecordingHandler::withLease([&](const jobs::Job& j, jobs::JobLease& l) { return smtp.send(j, l); });
    auto handler_b = RecordingHandler::withLease([&](const jobs::Job& j, jobs::JobLease& l) { return smtp.send(j, l); });
    JobQueue queue_a(*db_a, clock, "worker-a", 3s);
    JobQueue queue_b(*db_b, clock, "worker-b", 3s);
    WorkerOptions options = fastOptions(1, 10);
    options.poll_interval = 1h;  // worker A claims once; the test decides when B looks
    Worker worker_a(queue_a, options, ticks);
    Worker worker_b(queue_b, options, ticks);
    worker_a.addHandler("email.test", *handler_a);
    worker_b.addHandler("email.test", *handler_b);
    enqueueMany(*db_a, "email.test", 3, clock.now());

    worker_a.start();
    ASSERT_TRUE(handler_a->waitForRuns(1, 10s));  // A holds all three; the first send hangs
    ASSERT_TRUE(ticks.waitForSleepers(1));
    passSeconds(clock, ticks, 5, 1);  // a 5 s send, longer than the 3 s lease
    EXPECT_EQ(worker_b.drain(), 0) << "worker B found jobs to rescue and ran them";
    smtp.release();
    EXPECT_TRUE(handler_a->waitForRuns(3, 10s)) << "worker A went on with its batch";
    worker_a.requestStop();
    worker_a.join();

    const auto sent = smtp.sent();
    EXPECT_EQ(sent.size(), 3u) << "3 jobs, " << sent.size() << " emails";
    for (const auto& j : allJobs(*db_a)) {
        SCOPED_TRACE("job " + std::to_string(j.id));
        EXPECT_EQ(sent.count(j.id), 1u);
        EXPECT_EQ(j.state, "completed");
        EXPECT_EQ(j.attempts, 1);
    }
}

TEST_P(JobsWorker, AWorkerThatLostItsLeasesNeitherStartsNorSendsThoseJobs) {
    // The worker's process stood still (paused, swapped out) longer than the lease: its heartbeats could not run,
    // another worker rescued and sent its jobs. When it wakes up it must send none of them again.
    TestDatabase database(GetParam());
    auto db_a = database.open(4);
    auto db_b = database.open(4);
    ManualClock clock(testEpoch());
    ManualMonotonicClock ticks;
    Gate paused;
    SlowMailbox smtp;
    smtp.release();
    auto handler_a = RecordingHandler::withLease([&](const jobs::Job& j, jobs::JobLease& l) {
        paused.wait(30s);  // rendering the message when the process stopped
        return smtp.send(j, l);
    });
    auto handler_b = RecordingHandler::withLease([&](const jobs::Job& j, jobs::JobLease& l) { return smtp.send(j, l); });
    JobQueue queue_a(*db_a, clock, "worker-a", 3s);
    JobQueue queue_b(*db_b, clock, "worker-b", 3s);
    WorkerOptions options = fastOptions(1, 10);
    options.poll_interval = 1h;
    Worker worker_a(queue_a, options, ticks);
    Worker worker_b(queue_b, options, ticks);
    worker_a.addHandler("email.test", *handler_a);
    worker_b.addHandler("email.test", *handler_b);
    enqueueMany(*db_a, "email.test", 3, clock.now());

    worker_a.start();
    ASSERT_TRUE(handler_a->waitForRuns(1, 10s));
    ASSERT_TRUE(ticks.waitForSleepers(1));
    clock.advance(10s);  // wall time passes; the paused process's own time does not
    EXPECT_EQ(worker_b.drain(), 3) << "B rescues and sends all three";
    EXPECT_EQ(smtp.sent().size(), 3u);
    passSeconds(clock, ticks, 1, 1);  // A runs again: its heartbeat finds the leases gone
    paused.open();
    worker_a.requestStop();
    worker_a.join();

    const auto sent = smtp.sent();
    EXPECT_EQ(sent.size(), 3u) << "worker A sent again what B had sent";
    EXPECT_EQ(handler_a->ran().size(), 1u) << "worker A started a job whose lease it had lost";
    for (const auto& j : allJobs(*db_a)) {
        SCOPED_TRACE("job " + std::to_string(j.id));
        EXPECT_EQ(sent.count(j.id), 1u);
        EXPECT_EQ(j.state, "completed");
        EXPECT_EQ(j.attempts, 2) << "A's claim, then B's";
    }
}

TEST_P(JobsWorker, TheHeartbeatFollowsTheLease) {
    TestDatabase database(GetParam());
    auto db = database.open(4);
    ManualClock clock(testEpoch());
    ManualMonotonicClock ticks;
    Gate gate;
    RecordingHandler slow([&](const jobs::Job&) {
        gate.wait(30s);
        return JobOutcome::done();
    });
    JobQueue queue(*db, clock, "w", 60s);
    Worker worker(queue, fastOptions(1, 1), ticks);
    worker.addHandler("test.slow", slow);
    enqueueMany(*db, "test.slow", 1, clock.now());
    worker.start();
    ASSERT_TRUE(slow.waitForRuns(1, 10s));
    ASSERT_TRUE(ticks.waitForSleepers(1));
    const auto claimed_until = *allJobs(*db).at(0).lease_expires_at;
    passSeconds(clock, ticks, 19, 1);
    EXPECT_EQ(*allJobs(*db).at(0).lease_expires_at, claimed_until) << "no heartbeat before a third of the lease";
    passSeconds(clock, ticks, 1, 1);
    EXPECT_EQ(*allJobs(*db).at(0).lease_expires_at, clock.now() + 60s) << "a heartbeat at a third of the lease";
    gate.open();
    worker.requestStop();
    worker.join();
}

TEST_P(JobsWorker, StopGivesBackJobsClaimedButNotStarted) {
    TestDatabase database(GetParam());
    auto db = database.open(4);
    ManualClock clock(testEpoch());
    ManualMonotonicClock ticks;
    JobQueue queue(*db, clock, "stopping-worker", 60s);
    Gate gate;
    RecordingHandler blocking([&](const jobs::Job&) {
        gate.wait(10s);
        return JobOutcome::done();
    });
    Worker worker(queue, fastOptions(1, 5), ticks);
    worker.addHandler("test.block", blocking);
    enqueueMany(*db, "test.block", 5, clock.now());

    worker.start();
    ASSERT_TRUE(blocking.waitForRuns(1, 10s));
    // One job runs; the other four sit in the worker's claimed batch.
    EXPECT_EQ(allJobs(*db).size(), 5u);
    for (const auto& j : allJobs(*db)) EXPECT_EQ(j.state, "running") << "job " << j.id;

    worker.requestStop();  // the worker will take nothing more
    gate.open();
    worker.join();

    const auto ran = blocking.ran();
    ASSERT_EQ(ran.size(), 1u);
    int completed = 0, given_back = 0;
    for (const auto& j : allJobs(*db)) {
        SCOPED_TRACE("job " + std::to_string(j.id));
        if (ran.count(j.id)) {
            EXPECT_EQ(j.state, "completed");
            EXPECT_EQ(j.attempts, 1);
            ++completed;
        } else {
            EXPECT_EQ(j.state, "available");
            EXPECT_EQ(j.attempts, 0) << "an attempt that never started is not counted";
            EXPECT_FALSE(j.lease_owner);
            EXPECT_FALSE(j.lease_token);
            EXPECT_FALSE(j.lease_expires_at);
            EXPECT_EQ(j.run_at, clock.now()) << "given back due at once, not delayed";
            ++given_back;
        }
    }
    EXPECT_EQ(completed, 1);
    EXPECT_EQ(given_back, 4);

    // Another worker picks them up straight away.
    JobQueue next(*db, clock, "next-worker", 60s);
    EXPECT_EQ(next.claim(10).size(), 4u);
}

INSTANTIATE_TEST_SUITE_P(Backends, JobsWorker, kBothBackends, backendName);

}  // namespace
}  // namespace rsolv::test
