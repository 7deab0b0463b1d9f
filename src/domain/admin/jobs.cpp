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

namespace {

/// One operator action on one job: the reason, the job, the conditional change, and its audit row.
struct JobAction {
    const char* audit_action;  ///< "job.retry"
    const char* verb;          ///< "retried", in the refusal
    const char* new_state;     ///< the state the change leaves the job in
    bool (storage::AdminJobRepository::*change)(std::int64_t, Timestamp);
};

Result<std::string> changeJob(storage::Transaction& tx, std::int64_t job_id, const Actor& actor,
                              std::string_view typed_reason, Timestamp now, const JobAction& action) {
    const auto reason = checkReason(typed_reason);
    if (!reason.ok()) return reason.error();
    storage::AdminJobRepository repo(tx);
    const auto job = repo.find(job_id);
    if (!job) return Error{"not_found", "", "No job has that id."};
    if (!(repo.*action.change)(job_id, now))
        return Error{"not_waiting", "", std::string("Only a dead, retryable or waiting job can be ") + action.verb +
                                            " (this one is " + job->state + ")."};
    auto after = jobState(*job);
    after["state"] = action.new_state;
    audit(tx, actor, reason.value(),
          {action.audit_action, "job", std::to_string(job_id), std::nullopt, jobState(*job), after}, now);
    return std::string();
}

}  // namespace

Result<std::string> retryJob(storage::Transaction& tx, std::int64_t job_id, const Actor& actor,
                             std::string_view typed_reason, Timestamp now) {
    const auto done = changeJob(tx, job_id, actor, typed_reason, now,
                                {"job.retry", "retried", "available", &storage::AdminJobRepository::retryNow});
    if (!done.ok()) return done.error();
    return "Job " + std::to_string(job_id) + " runs again now.";
}

Result<std::string> discardJob(storage::Transaction& tx, std::int64_t job_id, const Actor& actor,
                               std::string_view typed_reason, Timestamp now) {
    const auto done = changeJob(tx, job_id, actor, typed_reason, now,
                                {"job.discard", "discarded", "cancelled", &storage::AdminJobRepository::discard});
    if (!done.ok()) return done.error();
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
