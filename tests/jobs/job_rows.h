#pragma once
// Reads the jobs table as a person inspecting the queue would: every column that says where a job stands.
// Shared by the queue tests (tests/jobs/) and the email integration tests (tests/integration/email_*_test.cpp).

#include <optional>
#include <string>
#include <vector>

#include "storage/database.h"

namespace rsolv::test {

struct JobRow {
    std::int64_t id = 0;
    std::string kind;
    std::string payload;
    std::optional<std::string> unique_key;
    std::string state;
    Timestamp run_at;
    int attempts = 0;
    int max_attempts = 0;
    std::optional<std::string> lease_owner;
    std::optional<std::string> lease_token;
    std::optional<Timestamp> lease_expires_at;
    std::optional<std::string> last_error;
    std::optional<Timestamp> finished_at;
};

namespace job_rows_detail {
// Constants: the backends cache prepared statements by the address of the query text.
inline constexpr storage::Query kAll{
    "SELECT id, kind, payload, unique_key, state, run_at, attempts, max_attempts, lease_owner, lease_token, "
    "lease_expires_at, last_error, finished_at FROM jobs ORDER BY id"};

inline JobRow toRow(const storage::Row& r) {
    JobRow j;
    j.id = r.i64("id");
    j.kind = r.str("kind");
    j.payload = r.str("payload");
    j.unique_key = r.opt("unique_key");
    j.state = r.str("state");
    j.run_at = r.time("run_at");
    j.attempts = int(r.i64("attempts"));
    j.max_attempts = int(r.i64("max_attempts"));
    j.lease_owner = r.opt("lease_owner");
    j.lease_token = r.opt("lease_token");
    j.lease_expires_at = r.optTime("lease_expires_at");
    j.last_error = r.opt("last_error");
    j.finished_at = r.optTime("finished_at");
    return j;
}
}  // namespace job_rows_detail

/// Every row of the jobs table, by id.
inline std::vector<JobRow> allJobs(storage::Database& db) {
    return storage::inTransaction(db, storage::TxMode::Read, [](storage::Transaction& tx) {
        const auto rs = tx.exec(job_rows_detail::kAll);
        std::vector<JobRow> out;
        for (size_t i = 0; i < rs.size(); ++i) out.push_back(job_rows_detail::toRow(rs[i]));
        return out;
    });
}

inline std::optional<JobRow> jobById(storage::Database& db, std::int64_t id) {
    for (auto& j : allJobs(db))
        if (j.id == id) return j;
    return std::nullopt;
}

inline std::vector<JobRow> jobsOfKind(storage::Database& db, const std::string& kind) {
    std::vector<JobRow> out;
    for (auto& j : allJobs(db))
        if (j.kind == kind) out.push_back(j);
    return out;
}

inline std::optional<JobRow> jobByUniqueKey(storage::Database& db, const std::string& key) {
    for (auto& j : allJobs(db))
        if (j.unique_key == key) return j;
    return std::nullopt;
}

}  // namespace rsolv::test
