#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "common/clock.h"
#include "common/result.h"
#include "domain/api_access.h"
#include "storage/database.h"
#include "storage/fix_attempt_repository.h"

namespace rsolv::domain {

/// The body of POST /api/v1/fix-attempts.
struct FixAttemptInput {
    std::string repository;  ///< "owner/name" as GitHub allows them
    std::string reference;   ///< a branch, tag or ref ("main", "refs/heads/main")
    std::optional<std::string> commit_sha;
    std::optional<std::string> run_url;
};

/// The body of PATCH /api/v1/fix-attempts/{id}.
struct FixAttemptUpdate {
    std::string status;  ///< succeeded or failed
    std::optional<std::string> pull_request_url;
    std::optional<std::string> reason;
};

/// Checks field by field; Error.code "unknown_field", "missing_field", "invalid_field", Error.field names it.
Result<FixAttemptInput> parseFixAttemptInput(const nlohmann::json& body);
Result<FixAttemptUpdate> parseFixAttemptUpdate(const nlohmann::json& body);

/// Starts a fix and takes one trial credit, both in the caller's transaction; Error.code "trial_exhausted" when the
/// customer has none left, "email_unverified" when the customer's address is not proved and it has started
/// `unverified_fix_limit` attempts already. Credits are per customer, whichever key is used.
Result<storage::FixAttemptRecord> startFixAttempt(storage::Transaction& tx, const ApiCaller& caller,
                                                  const FixAttemptInput& input, Timestamp now,
                                                  int unverified_fix_limit);

/// A finished attempt, and how many more failed attempts will give their credit back.
struct FinishedFixAttempt {
    storage::FixAttemptRecord attempt;
    int refunds_remaining = 0;
};

/// Finishes a running attempt. A failed one gives its credit back while the customer has had fewer than
/// `max_refunds` refunds (RSOLV_TRIAL_REFUNDS), counted by the same conditional UPDATE in the caller's transaction;
/// past that it keeps its credit, `refund_denied_reason` says why, and an event records it. Error.code "not_found"
/// (not this customer's) or "already_finished".
Result<FinishedFixAttempt> finishFixAttempt(storage::Transaction& tx, std::int64_t customer_id, std::int64_t id,
                                            const FixAttemptUpdate& update, int max_refunds, Timestamp now);

inline constexpr std::string_view kRefundLimitReached = "refund_limit_reached";

nlohmann::json toJson(const storage::FixAttemptRecord& attempt);

/// The customer's own attempt: another customer's id finds nothing.
std::optional<storage::FixAttemptRecord> findFixAttempt(storage::Transaction& tx, std::int64_t customer_id,
                                                        std::int64_t id);
/// The customer's attempts, newest first; only those older than `before_id` when it is given.
std::vector<storage::FixAttemptRecord> listFixAttempts(storage::Transaction& tx, std::int64_t customer_id,
                                                       std::optional<std::int64_t> before_id, int limit);

}  // namespace rsolv::domain
