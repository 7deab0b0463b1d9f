#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "domain/rate_limiter.h"
#include "domain/admin/audit.h"
#include "storage/database.h"
#include "storage/operator_repository.h"

namespace rsolv::domain::admin {

/// Operator sign-in and sessions: apart from customers', and shorter.
struct OperatorPolicy {
    Duration link_ttl = std::chrono::minutes(10);
    Duration idle_timeout = std::chrono::minutes(15);
    Duration absolute_timeout = std::chrono::hours(8);
    Duration touch_interval = std::chrono::minutes(1);
    int links_per_ip_per_hour = 20;
    int links_per_email_per_hour = 5;
};

/// The job kind that emails an operator its sign-in link.
inline constexpr std::string_view kOperatorSignInJob = "email.operator_sign_in";

bool isRole(std::string_view role);

/// Adds an operator (audited). Errors: field "email" (invalid, already an operator), field "role".
Result<std::int64_t> addOperator(storage::Transaction& tx, std::string_view email, std::string_view role,
                                 const Actor& actor, const std::string& reason, Timestamp now);
/// Changes an operator's role, or disables / enables it (disabling ends its sessions at once). Audited.
Result<bool> setOperatorRole(storage::Transaction& tx, std::int64_t operator_id, std::string_view role,
                             const Actor& actor, const std::string& reason, Timestamp now);
Result<bool> setOperatorDisabled(storage::Transaction& tx, std::int64_t operator_id, bool disabled, const Actor& actor,
                                 const std::string& reason, Timestamp now);

/// POST /admin/login: whatever the address, the same statements run (the look-up happens in the job). True unless
/// the per-IP limit refused it.
bool requestOperatorLink(storage::Transaction& tx, std::string_view typed_email, const std::string& client_ip,
                         Timestamp now, const OperatorPolicy& policy, const RateLimiter& limiter);

/// For the job: a new single-use token for an enabled operator (stored hashed), or nothing.
struct IssuedOperatorLink {
    std::string token;
    storage::OperatorRecord op;
};
std::optional<IssuedOperatorLink> issueOperatorLink(storage::Transaction& tx, const std::string& canonical_email,
                                                    Timestamp now, const OperatorPolicy& policy);

struct StartedOperatorSession {
    std::string token;
    std::string id_hash;
};
/// Redeems a link and starts a fresh operator session (new random id), ending the browser's previous one.
std::optional<StartedOperatorSession> signInOperator(storage::Transaction& tx, const std::string& token,
                                                     const std::string& previous_token, const std::string& ip,
                                                     const std::string& user_agent, Timestamp now,
                                                     const OperatorPolicy& policy);

struct OperatorSignedIn {
    storage::OperatorSessionRecord session;
    storage::OperatorRecord op;
    bool isAdmin() const { return op.role == "admin"; }
    std::string actorName() const { return "operator:" + op.email; }
};
/// The live session of an enabled operator; an idle, expired or disabled one is deleted on sight.
std::optional<OperatorSignedIn> resolveOperatorSession(storage::Transaction& tx, const std::string& token,
                                                       Timestamp now, const OperatorPolicy& policy);
void endOperatorSession(storage::Transaction& tx, const std::string& token);

std::vector<storage::OperatorRecord> listOperators(storage::Transaction& tx);

}  // namespace rsolv::domain::admin
