#pragma once

#include <optional>
#include <string>
#include <vector>

#include "storage/database.h"

namespace rsolv::storage {

struct FixAttemptRecord {
    std::int64_t id = 0;
    std::int64_t customer_id = 0;
    std::optional<std::int64_t> api_key_id;
    std::string repository;
    std::string reference;
    std::optional<std::string> commit_sha;
    std::optional<std::string> run_url;
    std::string status;  ///< running, succeeded, failed
    std::optional<std::string> pull_request_url;
    std::optional<std::string> failure_reason;
    bool credit_refunded = false;
    std::optional<std::string> refund_denied_reason;  ///< a failed attempt that kept its credit: why
    Timestamp created_at;
    std::optional<Timestamp> finished_at;
};

class FixAttemptRepository {
public:
    explicit FixAttemptRepository(Transaction& tx) : tx_(tx) {}
    FixAttemptRecord insert(std::int64_t customer_id, std::optional<std::int64_t> api_key_id,
                            const std::string& repository, const std::string& reference,
                            const std::optional<std::string>& commit_sha, const std::optional<std::string>& run_url,
                            Timestamp now);
    /// Only the customer's own attempt: another customer's id finds nothing.
    std::optional<FixAttemptRecord> find(std::int64_t customer_id, std::int64_t id);
    /// Newest first; `before_id` continues a page.
    std::vector<FixAttemptRecord> list(std::int64_t customer_id, std::optional<std::int64_t> before_id, int limit);
    /// Moves a running attempt to succeeded or failed; nothing when it is not running (a concurrent PATCH won).
    std::optional<FixAttemptRecord> finish(std::int64_t customer_id, std::int64_t id, const std::string& status,
                                           const std::optional<std::string>& pull_request_url,
                                           const std::optional<std::string>& failure_reason, bool refunded,
                                           Timestamp now);
    /// Records what became of a finished attempt's credit.
    FixAttemptRecord recordRefund(std::int64_t customer_id, std::int64_t id, bool refunded,
                                  const std::optional<std::string>& denied_reason);
    std::int64_t countForCustomer(std::int64_t customer_id);

private:
    Transaction& tx_;
};

}  // namespace rsolv::storage
