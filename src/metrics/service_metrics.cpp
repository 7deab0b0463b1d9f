#include "metrics/service_metrics.h"

#include <spdlog/spdlog.h>

#include <array>
#include <set>

#include "metrics/process_metrics.h"

namespace rsolv::metrics {
namespace {

const std::vector<double> kRequestBounds{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
/// 5 s is RFC-065's bound on provisioning time: it is a bucket edge, so the p99 alert compares exactly.
const std::vector<double> kProvisioningBounds{0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30};
/// Every state but completed: counting those rows (most of the table) cost most of a scrape (issue 13); the work
/// done is rsolv_emails_total.
constexpr std::array<std::string_view, 5> kJobStates{"available", "running", "retryable", "dead", "cancelled"};

}  // namespace

std::string_view methodLabel(std::string_view method) {
    for (const std::string_view m : {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
        if (method == m) return m;
    return "other";
}

ServiceMetrics::ServiceMetrics(storage::Database& db, const Clock& clock, ServiceMetricsOptions options)
    : db_(db),
      clock_(clock),
      options_(std::move(options)),
      http_requests_(registry_.counter("rsolv_http_requests_total", "HTTP requests answered, by route pattern.",
                                       {"route", "method", "status"})),
      http_duration_(registry_.histogram("rsolv_http_request_duration_seconds",
                                         "Time from a request's arrival to its answer, by route pattern.",
                                         {"route", "method"}, kRequestBounds)),
      api_requests_(registry_.counter("rsolv_api_requests_total", "Requests to /api/ routes, by status.", {"status"})),
      signups_(registry_.counter("rsolv_signups_total", "Signups by outcome.", {"outcome"})),
      provisioning_duration_(registry_.histogram(
          "rsolv_provisioning_duration_seconds",
          "Time from a signup request's arrival to the commit of its customer, key and welcome email.", {},
          kProvisioningBounds)),
      emails_(registry_.counter("rsolv_emails_total", "Emails handed to the mail server, by kind and result.",
                                {"kind", "result"})) {
    registry_.add([version = options_.version](Exposition& out) {
        out.family("rsolv_build_info", "The running build; always 1.", "gauge");
        out.sample("rsolv_build_info", {{"version", version}}, 1ULL);
    });
    registry_.add([this](Exposition& out) { writeJobMetrics(out); });
    registry_.add([this](Exposition& out) { writePoolMetrics(out); });
    registry_.add(writeProcessMetrics);
}

void ServiceMetrics::requestFinished(std::string_view method, std::string_view route, int status, double seconds) {
    const std::string m(methodLabel(method)), r(route), s = std::to_string(status);
    http_requests_.inc({r, m, s});
    http_duration_.observe({r, m}, seconds);
    if (route.rfind("/api/", 0) == 0) api_requests_.inc({s});
}

void ServiceMetrics::signupFinished(std::string_view outcome, std::optional<double> seconds) {
    signups_.inc({std::string(outcome)});
    if (seconds) provisioning_duration_.observe({}, *seconds);
}

void ServiceMetrics::emailFinished(std::string_view kind, std::string_view result) {
    emails_.inc({std::string(kind), std::string(result)});
}

void ServiceMetrics::writeJobMetrics(Exposition& out) {
    const Timestamp now = clock_.now();
    std::lock_guard lock(jobs_mutex_);
    if (!jobs_read_at_ || now - *jobs_read_at_ >= options_.job_stats_ttl || now < *jobs_read_at_) {
        jobs_read_at_ = now;
        try {
            jobs_ = storage::inTransaction(db_, storage::TxMode::Read,
                                           [&](storage::Transaction& tx) { return storage::readJobStats(tx, now); });
            database_up_ = true;
        } catch (const std::exception& e) {
            if (database_up_) spdlog::warn("metrics could not read the job queue: {}", e.what());
            database_up_ = false;
        }
    }
    std::set<std::string> kinds(options_.job_kinds.begin(), options_.job_kinds.end());
    for (const auto& [key, n] : jobs_.counts) kinds.insert(key.first);

    out.family("rsolv_database_up", "1 when the last read of the job queue succeeded, else 0.", "gauge");
    out.sample("rsolv_database_up", {}, database_up_ ? 1ULL : 0ULL);
    out.family("rsolv_jobs", "Jobs in the whole cluster by kind and state, completed jobs left out (read at most every few seconds).",
               "gauge");
    for (const auto& kind : kinds)
        for (const auto state : kJobStates) {
            const auto it = jobs_.counts.find({kind, std::string(state)});
            out.sample("rsolv_jobs", {{"kind", kind}, {"state", state}},
                       static_cast<unsigned long long>(it == jobs_.counts.end() ? 0 : it->second));
        }
    out.family("rsolv_job_oldest_available_age_seconds",
               "How long the oldest due, unclaimed job of a kind has waited (0: none waiting).", "gauge");
    for (const auto& kind : kinds) {
        const auto it = jobs_.oldest_due.find(kind);
        const double age =
            it == jobs_.oldest_due.end()
                ? 0.0
                : std::max(0.0, std::chrono::duration<double>(*jobs_read_at_ - it->second).count());
        out.sample("rsolv_job_oldest_available_age_seconds", {{"kind", kind}}, age);
    }
}

void ServiceMetrics::writePoolMetrics(Exposition& out) {
    const auto s = db_.poolStats();
    out.family("rsolv_db_pool_connections", "Database connections of this process by state.", "gauge");
    out.sample("rsolv_db_pool_connections", {{"state", "in_use"}}, static_cast<unsigned long long>(s.open - s.idle));
    out.sample("rsolv_db_pool_connections", {{"state", "idle"}}, static_cast<unsigned long long>(s.idle));
    out.family("rsolv_db_pool_max_connections", "The most connections the pool opens (RSOLV_DB_POOL_SIZE).", "gauge");
    out.sample("rsolv_db_pool_max_connections", {}, static_cast<unsigned long long>(s.max));
    out.family("rsolv_db_pool_waiting", "Requests waiting for a free database connection.", "gauge");
    out.sample("rsolv_db_pool_waiting", {}, static_cast<unsigned long long>(s.waiting));
}

}  // namespace rsolv::metrics
