#include "storage/admin_job_repository.h"

namespace rsolv::storage {
namespace {

#define RSOLV_JOB_VIEW "id, kind, state, attempts, max_attempts, COALESCE(last_error, '') AS last_error, run_at, " \
                       "created_at, updated_at"
constexpr Query kList{"SELECT " RSOLV_JOB_VIEW " FROM jobs WHERE ($1 = '' OR state = $1) AND ($2 = '' OR kind = $2) "
                      "AND ($3 = 0 OR id < $3) ORDER BY id DESC LIMIT $4"};
constexpr Query kFind{"SELECT " RSOLV_JOB_VIEW " FROM jobs WHERE id = $1"};
#undef RSOLV_JOB_VIEW
constexpr Query kKinds{"SELECT DISTINCT kind FROM jobs ORDER BY kind"};
constexpr Query kRetryNow{
    "UPDATE jobs SET attempts = CASE WHEN state = 'dead' THEN 0 ELSE attempts END, state = 'available', run_at = $2, "
    "lease_owner = NULL, lease_token = NULL, lease_expires_at = NULL, finished_at = NULL, updated_at = $2 "
    "WHERE id = $1 AND state IN ('dead', 'retryable', 'available')"};
constexpr Query kDiscard{
    "UPDATE jobs SET state = 'cancelled', finished_at = $2, updated_at = $2 "
    "WHERE id = $1 AND state IN ('dead', 'retryable', 'available')"};
constexpr Query kRetryAllDead{
    "UPDATE jobs SET attempts = 0, state = 'available', run_at = $2, finished_at = NULL, updated_at = $2 "
    "WHERE kind = $1 AND state = 'dead'"};

JobView toView(const Row& r) {
    return JobView{r.i64("id"),          r.str("kind"),         r.str("state"),       int(r.i64("attempts")),
                   int(r.i64("max_attempts")), r.str("last_error"), r.time("run_at"), r.time("created_at"),
                   r.time("updated_at")};
}

}  // namespace

std::vector<JobView> AdminJobRepository::list(const std::string& state, const std::string& kind,
                                              std::int64_t before_id, int limit) {
    const auto rs = tx_.exec(kList, {state, kind, before_id, std::int64_t(limit)});
    std::vector<JobView> out;
    for (size_t i = 0; i < rs.size(); ++i) out.push_back(toView(rs[i]));
    return out;
}

std::optional<JobView> AdminJobRepository::find(std::int64_t id) {
    auto row = tx_.exec(kFind, {id}).first();
    if (!row) return std::nullopt;
    return toView(*row);
}

std::vector<std::string> AdminJobRepository::kinds() {
    const auto rs = tx_.exec(kKinds);
    std::vector<std::string> out;
    for (size_t i = 0; i < rs.size(); ++i) out.push_back(rs[i].str("kind"));
    return out;
}

bool AdminJobRepository::retryNow(std::int64_t id, Timestamp now) { return tx_.exec(kRetryNow, {id, now}).affected > 0; }

bool AdminJobRepository::discard(std::int64_t id, Timestamp now) { return tx_.exec(kDiscard, {id, now}).affected > 0; }

int AdminJobRepository::retryAllDead(const std::string& kind, Timestamp now) {
    return int(tx_.exec(kRetryAllDead, {kind, now}).affected);
}

}  // namespace rsolv::storage
