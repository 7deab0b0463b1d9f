#include "storage/rate_limit_repository.h"

namespace rsolv::storage {
namespace {

constexpr Query kWindow{"SELECT COUNT(*) AS n, MIN(at) AS oldest FROM rate_limit_hits WHERE bucket = $1 AND at > $2"};
constexpr Query kHit{"INSERT INTO rate_limit_hits (bucket, at) VALUES ($1, $2)"};
constexpr Query kPrune{"DELETE FROM rate_limit_hits WHERE at <= $1"};
constexpr Query kPruneBucket{"DELETE FROM rate_limit_hits WHERE bucket = $1 AND at <= $2"};

constexpr Query kLockAll{
    "SELECT pg_advisory_xact_lock(hashtextextended('rate:' || k, 0)) FROM jsonb_array_elements_text($1::jsonb) AS t(k)",
    "SELECT 0 AS n"};
/// PostgreSQL: prune, count and the conditional hit in one statement. The counts come from the statement's snapshot,
/// taken after the locks, so the pruned rows (outside every window) change nothing. Each limit reaches its own bucket's
/// rows through the (bucket, at) index, in a LATERAL subquery (OFFSET 0 keeps the planner from flattening it into a
/// join): the planner expects 100 rows of jsonb_to_recordset and would otherwise read the whole table by hash.
constexpr Query kAdmitAll{
    "WITH l AS (SELECT * FROM jsonb_to_recordset($1::jsonb) AS l(i int, bucket text, since timestamptz, lim bigint)), "
    "pruned AS (DELETE FROM rate_limit_hits WHERE id = ANY (ARRAY(SELECT old.id FROM l CROSS JOIN LATERAL "
    "(SELECT h.id FROM rate_limit_hits h WHERE h.bucket = l.bucket AND h.at <= l.since OFFSET 0) old))), "
    "counts AS (SELECT l.i, l.lim, c.n, c.oldest FROM l CROSS JOIN LATERAL "
    "(SELECT COUNT(*) AS n, MIN(h.at) AS oldest FROM rate_limit_hits h WHERE h.bucket = l.bucket AND h.at > l.since) c), "
    "hit AS (INSERT INTO rate_limit_hits (bucket, at) SELECT l.bucket, $2::timestamptz FROM l "
    "WHERE NOT EXISTS (SELECT 1 FROM counts WHERE n >= lim)) "
    "SELECT i, n, oldest FROM counts ORDER BY i"};
/// SQLite: the hits to forget, found from each limit through the (bucket, at) index.
constexpr Query kSqlitePruneAll{
    "DELETE FROM rate_limit_hits WHERE id IN (SELECT h.id FROM json_each(?1) j JOIN rate_limit_hits h "
    "ON h.bucket = json_extract(j.value, '$.bucket') AND h.at <= json_extract(j.value, '$.since'))"};
constexpr Query kSqliteWindows{
    "SELECT j.key AS i, COUNT(h.id) AS n, MIN(h.at) AS oldest FROM json_each(?1) j "
    "LEFT JOIN rate_limit_hits h ON h.bucket = json_extract(j.value, '$.bucket') "
    "AND h.at > json_extract(j.value, '$.since') "
    "GROUP BY j.key ORDER BY j.key"};
constexpr Query kSqliteHitAll{
    "INSERT INTO rate_limit_hits (bucket, at) SELECT json_extract(value, '$.bucket'), ?2 FROM json_each(?1)"};

}  // namespace

RateLimitRepository::Window RateLimitRepository::window(const std::string& bucket, Timestamp since) {
    const auto row = tx_.exec(kWindow, {bucket, since}).front();
    return {row.i64("n"), row.optTime("oldest")};
}

void RateLimitRepository::hit(const std::string& bucket, Timestamp at) { tx_.exec(kHit, {bucket, at}); }

int RateLimitRepository::pruneBefore(Timestamp before) { return int(tx_.exec(kPrune, {before}).affected); }

}  // namespace rsolv::storage

namespace rsolv::storage {

void RateLimitRepository::prune(const std::string& bucket, Timestamp before) { tx_.exec(kPruneBucket, {bucket, before}); }

}  // namespace rsolv::storage

#include <nlohmann/json.hpp>

namespace rsolv::storage {

std::vector<RateLimitRepository::Window> RateLimitRepository::admitAll(const std::vector<Limit>& limits,
                                                                       Timestamp now) {
    auto rows = nlohmann::json::array();
    auto buckets = nlohmann::json::array();
    for (size_t i = 0; i < limits.size(); ++i) {
        rows.push_back({{"i", i}, {"bucket", limits[i].bucket}, {"since", formatTimestamp(limits[i].since)},
                        {"lim", limits[i].limit}});
        buckets.push_back(limits[i].bucket);
    }
    std::vector<Window> out;
    if (limits.empty()) return out;
    ResultSet rs;
    if (tx_.dialect() == Dialect::Postgres) {
        tx_.exec(kLockAll, {buckets.dump()});
        rs = tx_.exec(kAdmitAll, {rows.dump(), now});
    } else {
        tx_.exec(kSqlitePruneAll, {rows.dump()});
        rs = tx_.exec(kSqliteWindows, {rows.dump()});
    }
    bool room = true;
    for (size_t i = 0; i < rs.size(); ++i) {
        out.push_back({rs[i].i64("n"), rs[i].optTime("oldest")});
        room = room && out.back().count < limits[i].limit;
    }
    if (room && tx_.dialect() == Dialect::Sqlite) tx_.exec(kSqliteHitAll, {rows.dump(), now});
    return out;
}

std::vector<std::string> RateLimitRepository::admitStatements(Dialect dialect) {
    if (dialect == Dialect::Postgres) return {std::string(kLockAll.postgres), std::string(kAdmitAll.postgres)};
    std::vector<std::string> out;
    for (const auto& q : {kSqlitePruneAll, kSqliteWindows, kSqliteHitAll}) out.push_back(toSqlitePlaceholders(q.postgres));
    return out;
}

}  // namespace rsolv::storage
