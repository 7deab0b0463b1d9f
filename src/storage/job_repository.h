#pragma once

#include <optional>
#include <string>
#include <vector>

#include "storage/database.h"

namespace rsolv::storage {

/// A claimed job as its worker sees it.
struct JobRecord {
    std::int64_t id = 0;
    std::string kind;
    std::string payload;
    std::optional<std::string> unique_key;
    int attempts = 0;  ///< including the current one
    int max_attempts = 0;
    std::string lease_token;
    Timestamp run_at;
};

/// What a lease rescue did: how many jobs it took back, and those of them that had no attempt left and are now dead.
struct RescueResult {
    int rescued = 0;
    std::vector<JobRecord> dead;
};

struct JobStateCount {
    std::string state;
    std::int64_t count = 0;
    std::optional<Timestamp> oldest_run_at;
};

/// The SQL of the job queue (rules.md #8). Every state change after a claim is fenced by the lease token, so a worker
/// whose lease expired and was rescued cannot complete or fail the job any more.
class JobRepository {
public:
    explicit JobRepository(Transaction& tx) : tx_(tx) {}
    /// False when a job with the same unique key exists (the unique index decides, also under concurrency).
    bool insert(const std::string& kind, const std::string& payload, const std::optional<std::string>& unique_key,
                Timestamp run_at, int max_attempts, Timestamp now);
    /// Takes up to `limit` due jobs: FOR UPDATE SKIP LOCKED on PostgreSQL, under the write lock on SQLite.
    /// `skip_kinds` (",a,b," or empty) names kinds left in the queue (their handler's outside system is down).
    std::vector<JobRecord> claim(int limit, const std::string& owner, const std::string& token, Timestamp lease_until,
                                 Timestamp now, const std::string& skip_kinds = "");
    bool extendLease(std::int64_t id, const std::string& token, Timestamp lease_until, Timestamp now);
    bool complete(std::int64_t id, const std::string& token, const std::optional<std::string>& new_payload,
                  Timestamp now);
    bool reschedule(std::int64_t id, const std::string& token, Timestamp run_at, const std::string& error, Timestamp now);
    bool bury(std::int64_t id, const std::string& token, const std::string& error,
              const std::optional<std::string>& new_payload, Timestamp now);
    /// Gives a claimed job back untouched (shutdown): available again, the attempt not counted.
    bool release(std::int64_t id, const std::string& token, Timestamp now);
    /// Running jobs whose lease expired: retryable again, or dead when they have used their attempts.
    RescueResult rescueExpired(Timestamp now);
    /// Gives a claimed job back, due at once, the attempt not counted, with `error` as the reason it waits.
    bool defer(std::int64_t id, const std::string& token, const std::string& error, Timestamp now);
    void setPayload(std::int64_t id, const std::string& payload);
    int pruneFinished(Timestamp before);
    int cancel(const std::string& unique_key, Timestamp now);
    std::vector<JobStateCount> countByState();
    std::optional<JobRecord> findByUniqueKey(const std::string& unique_key);
    std::optional<std::string> stateOf(std::int64_t id);

private:
    Transaction& tx_;
};

}  // namespace rsolv::storage
