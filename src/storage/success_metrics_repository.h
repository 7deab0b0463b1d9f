#pragma once

#include <optional>
#include <string>
#include <vector>

#include "storage/database.h"

namespace rsolv::storage {

/// One self-service signup that was provisioned, with what the success metrics measure about it.
struct ProvisionedSignup {
    Timestamp signed_up_at;                          ///< the provisioning_completed event (the commit's clock)
    std::int64_t duration_ms = 0;                    ///< the pipeline's time to its commit
    std::optional<Timestamp> first_dashboard_visit;  ///< customers.first_dashboard_visit_at
    std::optional<Timestamp> first_fix_attempt;      ///< customers.first_fix_attempt_at
    std::optional<Timestamp> first_ticket;           ///< the customer's earliest support ticket
};

/// Rejected signup attempts of one reason on one UTC day.
struct RejectionDay {
    std::string day;  ///< YYYY-MM-DD (UTC)
    std::string reason;
    std::int64_t count = 0;
};

/// Reads the rows the success report (domain/success_report.h) is computed from, for signups in [since, until).
class SuccessMetricsRepository {
public:
    explicit SuccessMetricsRepository(Transaction& tx) : tx_(tx) {}
    std::vector<ProvisionedSignup> provisioned(Timestamp since, Timestamp until);
    /// The times of provisioning failures (the signup's transaction failed, provisioning_failed events).
    std::vector<Timestamp> failures(Timestamp since, Timestamp until);
    /// Rejections by UTC day and reason: duplicate, invalid, disposable (an invalid signup whose address is on the
    /// disposable list), rate_limited, bot_suspected, challenge_failed.
    std::vector<RejectionDay> rejections(Timestamp since, Timestamp until);

private:
    Transaction& tx_;
};

}  // namespace rsolv::storage
