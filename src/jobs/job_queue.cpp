#include "jobs/job_queue.h"

#include <algorithm>
#include <cmath>

#include "common/crypto.h"

namespace rsolv::jobs {

Duration backoffDelay(int attempt, const RetryPolicy& policy, double unit_random) {
    const double exponent = std::min(std::max(attempt - 1, 0), 30);
    const double ceiling =
        std::min(double(policy.base.count()) * std::pow(2.0, exponent), double(policy.cap.count()));
    const double delay = ceiling / 2 + ceiling / 2 * std::clamp(unit_random, 0.0, 1.0);
    return Duration(static_cast<Duration::rep>(delay));
}

JobQueue::JobQueue(storage::Database& db, const Clock& clock, std::string owner, Duration lease, RetryPolicy retry)
    : db_(db), clock_(clock), owner_(std::move(owner)), lease_(lease), retry_(retry) {}

std::vector<Job> JobQueue::claim(int max_jobs, const std::string& skip_kinds) {
    const Timestamp now = clock_.now();
    const std::string token = crypto::randomToken(16);
    return storage::inTransaction(db_, storage::TxMode::Write, [&](storage::Transaction& tx) {
        return storage::JobRepository(tx).claim(max_jobs, owner_, token, now + lease_, now, skip_kinds);
    });
}

bool JobQueue::heartbeat(const Job& job) {
    const Timestamp now = clock_.now();
    return storage::inTransaction(db_, storage::TxMode::Write, [&](storage::Transaction& tx) {
        return storage::JobRepository(tx).extendLease(job.id, job.lease_token, now + lease_, now);
    });
}

bool JobQueue::complete(const Job& job, const std::optional<std::string>& new_payload) {
    return storage::inTransaction(db_, storage::TxMode::Write, [&](storage::Transaction& tx) {
        return storage::JobRepository(tx).complete(job.id, job.lease_token, new_payload, clock_.now());
    });
}

std::optional<std::string> JobQueue::fail(const Job& job, const std::string& error,
                                          const std::optional<std::string>& payload_if_dead) {
    const Timestamp now = clock_.now();
    return storage::inTransaction(db_, storage::TxMode::Write, [&](storage::Transaction& tx) -> std::optional<std::string> {
        storage::JobRepository repo(tx);
        if (job.attempts >= job.max_attempts) {
            if (!repo.bury(job.id, job.lease_token, error, payload_if_dead, now)) return std::nullopt;
            buried(tx, job, error);
            return std::optional<std::string>("dead");
        }
        const double r = double(crypto::randomUniform(1u << 30)) / double(1u << 30);
        const Timestamp when = now + backoffDelay(job.attempts, retry_, r);
        return repo.reschedule(job.id, job.lease_token, when, error, now) ? std::optional<std::string>("retryable")
                                                                          : std::nullopt;
    });
}

bool JobQueue::bury(const Job& job, const std::string& error, const std::optional<std::string>& new_payload) {
    return storage::inTransaction(db_, storage::TxMode::Write, [&](storage::Transaction& tx) {
        if (!storage::JobRepository(tx).bury(job.id, job.lease_token, error, new_payload, clock_.now())) return false;
        buried(tx, job, error);
        return true;
    });
}

bool JobQueue::release(const Job& job) {
    return storage::inTransaction(db_, storage::TxMode::Write, [&](storage::Transaction& tx) {
        return storage::JobRepository(tx).release(job.id, job.lease_token, clock_.now());
    });
}

bool JobQueue::defer(const Job& job, const std::string& error) {
    return storage::inTransaction(db_, storage::TxMode::Write, [&](storage::Transaction& tx) {
        return storage::JobRepository(tx).defer(job.id, job.lease_token, error, clock_.now());
    });
}

int JobQueue::rescueExpired() {
    return storage::inTransaction(db_, storage::TxMode::Write, [&](storage::Transaction& tx) {
        auto result = storage::JobRepository(tx).rescueExpired(clock_.now());
        for (const auto& job : result.dead) buried(tx, job, "lease expired on the last attempt: the worker stopped or was killed");
        return result.rescued;
    });
}

void JobQueue::buried(storage::Transaction& tx, const Job& job, const std::string& error) {
    const auto it = dead_letters_.find(job.kind);
    if (it == dead_letters_.end()) return;
    if (auto replacement = it->second->onDead(tx, job, error))
        storage::JobRepository(tx).setPayload(job.id, *replacement);
}

int JobQueue::pruneFinished(Duration older_than) {
    return storage::inTransaction(db_, storage::TxMode::Write, [&](storage::Transaction& tx) {
        return storage::JobRepository(tx).pruneFinished(clock_.now() - older_than);
    });
}

}  // namespace rsolv::jobs
