#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "common/clock.h"
#include "storage/database.h"

namespace rsolv::storage {

/// Work the domain asks to be done later (an email, a webhook): a row of the jobs table, which jobs::Worker runs.
struct NewJob {
    std::string kind;
    nlohmann::json payload = nlohmann::json::object();
    std::optional<std::string> unique_key;  ///< one live job per key: the unique index is the arbiter
    Timestamp run_at;
    int max_attempts = 8;
};

/// Enqueues inside the caller's transaction, so a job exists exactly when the business change that asked for it
/// committed (rules.md #2). False when a job with the same unique key already exists.
bool enqueue(Transaction& tx, const NewJob& job, Timestamp now);

}  // namespace rsolv::storage
