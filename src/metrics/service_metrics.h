#pragma once

#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/telemetry.h"
#include "metrics/registry.h"
#include "storage/database.h"
#include "storage/job_stats_repository.h"

namespace rsolv::metrics {

struct ServiceMetricsOptions {
    std::string version;
    /// How long one read of the cluster's job counts serves scrapes (README "Monitoring": a scrape stays cheap).
    Duration job_stats_ttl = std::chrono::seconds(5);
    /// Job kinds reported even before any job of theirs exists, so a first dead job is a change an alert can see.
    std::vector<std::string> job_kinds;
};

/// Every rsolv_* metric of one process (README "Monitoring" lists them): counters and histograms fed through the
/// Telemetry interface, and gauges read at scrape time from the database (cached), the pool and /proc.
class ServiceMetrics final : public Telemetry {
public:
    ServiceMetrics(storage::Database& db, const Clock& clock, ServiceMetricsOptions options);

    void requestFinished(std::string_view method, std::string_view route, int status, double seconds) override;
    void signupFinished(std::string_view outcome, std::optional<double> seconds) override;
    void emailFinished(std::string_view kind, std::string_view result) override;

    /// The exposition a GET /metrics returns.
    std::string scrape() { return registry_.render(); }
    const CounterFamily& signups() const { return signups_; }
    const CounterFamily& emails() const { return emails_; }

private:
    void writeJobMetrics(Exposition& out);
    void writePoolMetrics(Exposition& out);

    storage::Database& db_;
    const Clock& clock_;
    ServiceMetricsOptions options_;
    Registry registry_;
    CounterFamily& http_requests_;
    HistogramFamily& http_duration_;
    CounterFamily& api_requests_;
    CounterFamily& signups_;
    HistogramFamily& provisioning_duration_;
    CounterFamily& emails_;

    std::mutex jobs_mutex_;
    std::optional<Timestamp> jobs_read_at_;
    storage::JobStats jobs_;
    bool database_up_ = false;
};

/// A method as a label: the standard ones as they are, anything else "other" (a client picks the method).
std::string_view methodLabel(std::string_view method);

}  // namespace rsolv::metrics
