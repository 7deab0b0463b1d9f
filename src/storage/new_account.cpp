#include "storage/new_account.h"

#include "storage/api_key_repository.h"
#include "storage/sql.h"

namespace rsolv::storage {
namespace {

/// The session and flash inserts select from `c` only when their parameters are given, so one prepared text serves
/// signups with and without a session. Parameters of an INSERT ... SELECT carry casts: nothing else gives them a type.
constexpr Query kInsertAll{
    "WITH c AS (INSERT INTO customers (email, email_canonical, name, company, subscription_plan, trial_fixes_limit, "
    "trial_fixes_used, auto_provisioned, status, created_at, updated_at) "
    "VALUES ($1, $2, $3, $4, $5, $6, 0, $7, 'active', $8, $8) RETURNING id), "
    "k AS (INSERT INTO api_keys (customer_id, key_hash, display_id, name, created_at) "
    "SELECT c.id, $9::text, $10::text, $11::text, $8::timestamptz FROM c), "
    "s AS (INSERT INTO sessions (id_hash, customer_id, created_at, last_seen_at, expires_at, ip, user_agent) "
    "SELECT $12::text, c.id, $8::timestamptz, $8::timestamptz, $13::timestamptz, $14::text, $15::text FROM c "
    "WHERE $12::text IS NOT NULL), "
    "f AS (INSERT INTO flashes (session_hash, kind, sealed, expires_at) "
    "SELECT $12::text, $16::text, $17::text, $18::timestamptz FROM c "
    "WHERE $12::text IS NOT NULL AND $16::text IS NOT NULL) "
    "SELECT id FROM c"};

std::int64_t insertOneByOne(Transaction& tx, const NewAccount& a, Timestamp now) {
    const std::int64_t id = CustomerRepository(tx).insert(a.customer, now);
    ApiKeyRepository(tx).insert(id, a.key.hash, a.key.display_id, a.key.name, now);
    if (!a.session) return id;
    SessionRecord session = *a.session;
    session.customer_id = id;
    SessionRepository(tx).insert(session);
    if (a.flash) FlashRepository(tx).put(session.id_hash, a.flash->kind, a.flash->sealed, a.flash->expires_at);
    return id;
}

}  // namespace

std::int64_t insertAccount(Transaction& tx, const NewAccount& a, Timestamp now) {
    if (tx.dialect() != Dialect::Postgres) return insertOneByOne(tx, a, now);
    const auto& c = a.customer;
    const bool with_flash = a.session && a.flash;
    return tx.exec(kInsertAll,
                   {c.email, c.email_canonical, c.name, nullable(c.company), c.subscription_plan,
                    std::int64_t(c.trial_fixes_limit), c.auto_provisioned, now, a.key.hash, a.key.display_id,
                    a.key.name, a.session ? Value(a.session->id_hash) : Value(nullptr),
                    a.session ? Value(a.session->expires_at) : Value(nullptr),
                    a.session ? Value(a.session->ip) : Value(nullptr),
                    a.session ? Value(a.session->user_agent) : Value(nullptr),
                    with_flash ? Value(a.flash->kind) : Value(nullptr),
                    with_flash ? Value(a.flash->sealed) : Value(nullptr),
                    with_flash ? Value(a.flash->expires_at) : Value(nullptr)})
        .front()
        .i64("id");
}

}  // namespace rsolv::storage
