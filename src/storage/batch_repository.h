#pragma once

#include <optional>
#include <string>
#include <vector>

#include "storage/database.h"
#include "storage/event_repository.h"

namespace rsolv::storage {

/// A job row to insert, as JobRepository::insert takes it.
struct JobRow {
    std::string kind;
    std::string payload;
    std::optional<std::string> unique_key;
    Timestamp run_at;
    int max_attempts = 8;
};

/// Several rows in one statement (one round trip): the rows travel as one JSON array parameter, which
/// jsonb_to_recordset (PostgreSQL) or json_each (SQLite) turns back into rows, so the statement text never changes and
/// stays prepared.
class BatchRepository {
public:
    explicit BatchRepository(Transaction& tx) : tx_(tx) {}
    /// The jobs (ON CONFLICT (unique_key) DO NOTHING, as JobRepository::insert) and the events of one operation: one
    /// statement on PostgreSQL (one round trip), two on SQLite. How many jobs were inserted.
    int insert(const std::vector<JobRow>& jobs, const std::vector<EventRecord>& events, Timestamp now);

private:
    Transaction& tx_;
};

}  // namespace rsolv::storage
