#include "domain/admin/jobs.h"

#include "domain/api_key.h"

namespace rsolv::domain::admin {
namespace {

nlohmann::json jobState(const storage::JobView& j) {
    return {{"kind", j.kind}, {"state", j.state}, {"attempts", j.attempts}};
}

}  // namespace

std::vector<storage::JobView> listJobs(storage::Transaction& tx, const std::string& state, const std::string& kind,
                                       std::int64_t before_id, int limit) {
    auto jobs = storage::AdminJobRepository(tx).list(state, kind, before_id, limit);
    for (auto& j : jobs) j.last_error = maskApiKeys(j.last_error.substr(0, 500));
    return jobs;
}

std::vector<std::string> jobKinds(storage::Transaction& tx) { return storage::AdminJobRepository(tx).kinds(); }

Result<std::string> retryJob(storage::Transaction& tx, std::int64_t job_id, const Actor& actor,
                             std::string_view typed_reason, Timestamp now) {
    const auto reason = checkReason(typed_reason);
    if (!reason.ok()) return reason.error();
    storage::AdminJobRepository repo(tx);
    const auto job = repo.find(job_id);
    if (!job) return Error{"not_found", "", "No job has that id."};
    if (!repo.retryNow(job_id, now))
        return Error{"not_waiting", "", "Only a dead, retryable or waiting job can be retried (this one is " +
                                            job->state + ")."};
    auto after = jobState(*job);
    after["state"] = "available";
    audit(tx, actor, reason.value(), {"job.retry", "job", std::to_string(job_id), std::nullopt, jobState(*job), after},
          now);
    return "Job " + std::to_string(job_id) + " runs again now.";
}

Result<std::string> discardJob(storage::Transaction& tx, std::int64_t job_id, const Actor& actor,
                               std::string_view typed_reason, Timestamp now) {
    const auto reason = checkReason(typed_reason);
    if (!reason.ok()) return reason.error();
    storage::AdminJobRepository repo(tx);
    const auto job = repo.find(job_id);
    if (!job) return Error{"not_found", "", "No job has that id."};
    if (!repo.discard(job_id, now))
        return Error{"not_waiting", "", "Only a dead, retryable or waiting job can be discarded (this one is " +
                                            job->state + ")."};
    auto after = jobState(*job);
    after["state"] = "cancelled";
    audit(tx, actor, reason.value(), {"job.discard", "job", std::to_string(job_id), std::nullopt, jobState(*job), after},
          now);
    return "Job " + std::to_string(job_id) + " is discarded.";
}

Result<std::string> retryDeadJobs(storage::Transaction& tx, const std::string& kind, const Actor& actor,
                                  std::string_view typed_reason, Timestamp now) {
    const auto reason = checkReason(typed_reason);
    if (!reason.ok()) return reason.error();
    if (kind.empty() || kind.size() > 100) return Error{"invalid_kind", "kind", "Name the kind of job."};
    const int n = storage::AdminJobRepository(tx).retryAllDead(kind, now);
    audit(tx, actor, reason.value(),
          {"job.retry_dead", "job_kind", kind, std::nullopt, {{"dead", n}}, {{"dead", 0}, {"retried", n}}}, now);
    return "Retrying " + std::to_string(n) + " dead " + kind + " job(s).";
}

}  // namespace rsolv::domain::admin
