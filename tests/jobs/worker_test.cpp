// The job worker on both backends: several workers share one queue and run every job exactly once; retries end in a
// visible dead state; heartbeats keep a long job's lease; stopping gives back what was claimed but not started.

#include "jobs/worker.h"

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <set>
#include <thread>
#include <vector>

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
    o.heartbeat_interval = 100ms;
    return o;
}

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
    for (int w = 0; w < kWorkers; ++w) {
        dbs.push_back(database.open(4));
        queues.push_back(std::make_unique<JobQueue>(*dbs.back(), clock, "worker-" + std::to_string(w), 60s));
        handlers.push_back(std::make_unique<RecordingHandler>());
        workers.push_back(std::make_unique<Worker>(*queues.back(), fastOptions(2, 10)));
        workers.back()->addHandler("test.count", *handlers.back());
    }
    const auto started = std::chrono::steady_clock::now();
    for (auto& w : workers) w->start();
    auto total = [&] {
        size_t n = 0;
        for (auto& h : handlers) n += h->ran().size();
        return n;
    };
    while (total() < kJobs && std::chrono::steady_clock::now() - started < 40s) std::this_thread::sleep_for(10ms);
    for (auto& w : workers) w->stop(10s);

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
    SystemClock clock;
    JobQueue queue(*db, clock, "slow-worker", 1s);
    RecordingHandler slow([](const jobs::Job&) {
        std::this_thread::sleep_for(2500ms);
        return JobOutcome::done();
    });
    WorkerOptions options = fastOptions(1, 1);
    options.heartbeat_interval = 200ms;
    Worker worker(queue, options);
    worker.addHandler("test.slow", slow);
    enqueueMany(*db, "test.slow", 1, clock.now());

    worker.start();
    ASSERT_TRUE(slow.waitForRuns(1, 10s));
    JobQueue rescuer(*other_db, clock, "rescuer", 60s);
    int rescued = 0;
    const auto until = std::chrono::steady_clock::now() + 2s;
    while (std::chrono::steady_clock::now() < until) {
        rescued += rescuer.rescueExpired();
        std::this_thread::sleep_for(50ms);
    }
    worker.stop(10s);
    EXPECT_EQ(rescued, 0) << "the lease of a job whose worker is alive must not expire";
    const auto row = allJobs(*db).at(0);
    EXPECT_EQ(row.state, "completed");
    EXPECT_EQ(row.attempts, 1);
    EXPECT_EQ(slow.ran().size(), 1u);
}

TEST_P(JobsWorker, StopGivesBackJobsClaimedButNotStarted) {
    TestDatabase database(GetParam());
    auto db = database.open(4);
    ManualClock clock(testEpoch());
    JobQueue queue(*db, clock, "stopping-worker", 60s);
    Gate gate;
    RecordingHandler blocking([&](const jobs::Job&) {
        gate.wait(10s);
        return JobOutcome::done();
    });
    Worker worker(queue, fastOptions(1, 5));
    worker.addHandler("test.block", blocking);
    enqueueMany(*db, "test.block", 5, clock.now());

    worker.start();
    ASSERT_TRUE(blocking.waitForRuns(1, 10s));
    // One job runs; the other four sit in the worker's claimed batch.
    EXPECT_EQ(allJobs(*db).size(), 5u);
    for (const auto& j : allJobs(*db)) EXPECT_EQ(j.state, "running") << "job " << j.id;

    std::thread stopper([&] { worker.stop(10s); });
    std::this_thread::sleep_for(300ms);  // stop() has begun: the worker will take nothing more
    gate.open();
    stopper.join();

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
