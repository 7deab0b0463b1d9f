#include "storage/fix_attempt_repository.h"

namespace rsolv::storage {
namespace {

#define RSOLV_FIX_COLUMNS                                                                                      \
    "id, customer_id, api_key_id, repository, reference, commit_sha, run_url, status, pull_request_url, "     \
    "failure_reason, credit_refunded, refund_denied_reason, created_at, finished_at"
constexpr Query kInsert{
    "INSERT INTO fix_attempts (customer_id, api_key_id, repository, reference, commit_sha, run_url, status, "
    "created_at) VALUES ($1, $2, $3, $4, $5, $6, 'running', $7) RETURNING " RSOLV_FIX_COLUMNS};
constexpr Query kFind{"SELECT " RSOLV_FIX_COLUMNS " FROM fix_attempts WHERE customer_id = $1 AND id = $2"};
constexpr Query kList{
    "SELECT " RSOLV_FIX_COLUMNS " FROM fix_attempts WHERE customer_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3"};
constexpr Query kFinish{
    "UPDATE fix_attempts SET status = $3, pull_request_url = $4, failure_reason = $5, credit_refunded = $6, "
    "finished_at = $7 WHERE customer_id = $1 AND id = $2 AND status = 'running' RETURNING " RSOLV_FIX_COLUMNS};
constexpr Query kRecordRefund{
    "UPDATE fix_attempts SET credit_refunded = $3, refund_denied_reason = $4 WHERE customer_id = $1 AND id = $2 "
    "RETURNING " RSOLV_FIX_COLUMNS};
#undef RSOLV_FIX_COLUMNS
constexpr Query kCount{"SELECT COUNT(*) AS n FROM fix_attempts WHERE customer_id = $1"};

FixAttemptRecord toRecord(const Row& r) {
    FixAttemptRecord f;
    f.id = r.i64("id");
    f.customer_id = r.i64("customer_id");
    f.api_key_id = r.optI64("api_key_id");
    f.repository = r.str("repository");
    f.reference = r.str("reference");
    f.commit_sha = r.opt("commit_sha");
    f.run_url = r.opt("run_url");
    f.status = r.str("status");
    f.pull_request_url = r.opt("pull_request_url");
    f.failure_reason = r.opt("failure_reason");
    f.credit_refunded = r.boolean("credit_refunded");
    f.refund_denied_reason = r.opt("refund_denied_reason");
    f.created_at = r.time("created_at");
    f.finished_at = r.optTime("finished_at");
    return f;
}

}  // namespace

FixAttemptRecord FixAttemptRepository::insert(std::int64_t customer_id, std::optional<std::int64_t> api_key_id,
                                              const std::string& repository, const std::string& reference,
                                              const std::optional<std::string>& commit_sha,
                                              const std::optional<std::string>& run_url, Timestamp now) {
    return toRecord(tx_.exec(kInsert, {customer_id, api_key_id ? Value(*api_key_id) : Value(nullptr), repository,
                                       reference, nullable(commit_sha), nullable(run_url), now})
                        .front());
}

std::optional<FixAttemptRecord> FixAttemptRepository::find(std::int64_t customer_id, std::int64_t id) {
    auto row = tx_.exec(kFind, {customer_id, id}).first();
    if (!row) return std::nullopt;
    return toRecord(*row);
}

std::vector<FixAttemptRecord> FixAttemptRepository::list(std::int64_t customer_id, std::optional<std::int64_t> before_id,
                                                         int limit) {
    const auto rs = tx_.exec(kList, {customer_id, before_id.value_or(INT64_MAX), std::int64_t(limit)});
    std::vector<FixAttemptRecord> out;
    out.reserve(rs.size());
    for (size_t i = 0; i < rs.size(); ++i) out.push_back(toRecord(rs[i]));
    return out;
}

std::optional<FixAttemptRecord> FixAttemptRepository::finish(std::int64_t customer_id, std::int64_t id,
                                                             const std::string& status,
                                                             const std::optional<std::string>& pull_request_url,
                                                             const std::optional<std::string>& failure_reason,
                                                             bool refunded, Timestamp now) {
    auto row = tx_.exec(kFinish, {customer_id, id, status, nullable(pull_request_url), nullable(failure_reason),
                                  refunded, now})
                   .first();
    if (!row) return std::nullopt;
    return toRecord(*row);
}

FixAttemptRecord FixAttemptRepository::recordRefund(std::int64_t customer_id, std::int64_t id, bool refunded,
                                                   const std::optional<std::string>& denied_reason) {
    return toRecord(tx_.exec(kRecordRefund, {customer_id, id, refunded, nullable(denied_reason)}).front());
}

std::int64_t FixAttemptRepository::countForCustomer(std::int64_t customer_id) {
    return tx_.exec(kCount, {customer_id}).front().i64("n");
}

}  // namespace rsolv::storage
