#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "storage/alert_repository.h"
#include "storage/database.h"

namespace rsolv::domain {

/// Names of the built-in alerts (the same conditions as deploy/prometheus/rsolv-alerts.yml).
namespace alert {
inline constexpr std::string_view kProvisioningFailures = "provisioning_failures";
inline constexpr std::string_view kProvisioningSlow = "provisioning_slow";
inline constexpr std::string_view kJobsWaiting = "jobs_waiting";
inline constexpr std::string_view kDeadJobs = "dead_jobs";
inline constexpr std::string_view kEmailFailures = "email_failures";
inline constexpr std::string_view kInstanceDown = "instance_down";
}  // namespace alert

/// Job kinds that carry notifications to operators.
namespace alert_job {
inline constexpr std::string_view kEmail = "alert.email";
inline constexpr std::string_view kWebhook = "alert.webhook";
}  // namespace alert_job

/// A built-in alert's title as people read it ("Provisioning failures above 1 %"); the name itself if unknown.
std::string alertTitle(std::string_view name);

/// The stored state of every built-in alert, firing ones first (the console's /admin/alerts).
std::vector<storage::AlertStateRecord> storedAlertStates(storage::Transaction& tx);

/// One condition as evaluated now.
struct AlertCheck {
    std::string name;
    std::string title;
    bool firing = false;
    std::string detail;  ///< what was measured; no personal data
};

/// Evaluates every condition from the database (cluster-wide, whichever instance runs it).
std::vector<AlertCheck> checkAlertConditions(storage::Transaction& tx, Timestamp now);

/// Moves an alert's state with a new check. Returns "firing" or "resolved" when a notification is due: once when
/// it starts firing (unless one went out less than `cooldown` ago: then once the cooldown is over, if it still
/// fires), and once when a firing that was announced resolves.
std::optional<std::string> alertTransition(storage::AlertStateRecord& state, const AlertCheck& check, Timestamp now,
                                           Duration cooldown);

struct AlertPolicy {
    std::vector<std::string> emails;  ///< RSOLV_ALERT_EMAILS
    bool webhook = false;             ///< RSOLV_ALERT_WEBHOOK_URL is set
    Duration cooldown = std::chrono::minutes(30);
    Duration interval = std::chrono::seconds(60);
    std::string instance;  ///< host:pid, for heartbeats
};

/// A notification that was queued.
struct AlertNotice {
    std::string name;
    std::string title;
    std::string state;  ///< firing or resolved
    std::string detail;
};

/// Built-in alerting for deployments without Prometheus: each instance calls tick() every few seconds; one
/// instance a minute, across the cluster, evaluates and queues the notifications (email and webhook jobs) in the
/// same transaction as the new states.
class Alerting {
public:
    Alerting(storage::Database& db, const Clock& clock, AlertPolicy policy);

    /// Records this instance's heartbeat; evaluates when the cluster's last evaluation is a minute old.
    std::vector<AlertNotice> tick();
    /// A clean stop: this instance is not "down", it is gone.
    void forgetInstance();
    /// Every alert's stored state (for the console and tests).
    std::vector<storage::AlertStateRecord> states();

private:
    std::vector<AlertNotice> evaluate(storage::Transaction& tx, Timestamp now);
    void enqueueNotice(storage::Transaction& tx, const AlertNotice& notice, const storage::AlertStateRecord& state,
                       Timestamp now);

    storage::Database& db_;
    const Clock& clock_;
    AlertPolicy policy_;
};

}  // namespace rsolv::domain
