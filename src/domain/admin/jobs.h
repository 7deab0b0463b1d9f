#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "domain/admin/audit.h"
#include "storage/admin_job_repository.h"
#include "storage/database.h"

namespace rsolv::domain::admin {

/// Jobs newest first, their errors with anything key-like masked.
std::vector<storage::JobView> listJobs(storage::Transaction& tx, const std::string& state, const std::string& kind,
                                       std::int64_t before_id, int limit);
std::vector<std::string> jobKinds(storage::Transaction& tx);

/// The operator's hand on the queue, each audited in the caller's transaction. Errors: "not_found", "not_waiting"
/// (a running, completed or cancelled job), field "reason".
Result<std::string> retryJob(storage::Transaction& tx, std::int64_t job_id, const Actor& actor,
                             std::string_view reason, Timestamp now);
Result<std::string> discardJob(storage::Transaction& tx, std::int64_t job_id, const Actor& actor,
                               std::string_view reason, Timestamp now);
Result<std::string> retryDeadJobs(storage::Transaction& tx, const std::string& kind, const Actor& actor,
                                  std::string_view reason, Timestamp now);

}  // namespace rsolv::domain::admin
