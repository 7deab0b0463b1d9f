#include "storage/customer_repository.h"

namespace rsolv::storage {
namespace {

constexpr Query kInsert{
    "INSERT INTO customers (email, email_canonical, name, company, subscription_plan, trial_fixes_limit, "
    "trial_fixes_used, auto_provisioned, status, created_at, updated_at) "
    "VALUES ($1, $2, $3, $4, $5, $6, 0, $7, 'active', $8, $8) RETURNING id"};

#define RSOLV_CUSTOMER_COLUMNS                                                                             \
    "id, email, email_canonical, name, company, subscription_plan, trial_fixes_limit, trial_fixes_used, " \
    "auto_provisioned, onboarding_completed_at, status, onboarding_emails, email_undeliverable_at, created_at, "   \
    "updated_at, first_api_call_at, first_fix_attempt_at, onboarding_skipped_at, trial_refunds_used, email_verified_at"
constexpr Query kById{"SELECT " RSOLV_CUSTOMER_COLUMNS " FROM customers WHERE id = $1"};
constexpr Query kByCanonical{"SELECT " RSOLV_CUSTOMER_COLUMNS " FROM customers WHERE email_canonical = $1"};
#undef RSOLV_CUSTOMER_COLUMNS
constexpr Query kCount{"SELECT COUNT(*) AS n FROM customers"};
constexpr Query kSetOnboardingEmails{"UPDATE customers SET onboarding_emails = $2, updated_at = $3 WHERE id = $1"};
constexpr Query kConsumeCredit{
    "UPDATE customers SET trial_fixes_used = trial_fixes_used + 1, updated_at = $2 "
    "WHERE id = $1 AND status = 'active' AND trial_fixes_used < trial_fixes_limit "
    "RETURNING trial_fixes_used, trial_fixes_limit"};
constexpr Query kRefundCredit{
    "UPDATE customers SET trial_fixes_used = trial_fixes_used - 1, trial_refunds_used = trial_refunds_used + 1, "
    "updated_at = $2 WHERE id = $1 AND trial_fixes_used > 0 AND trial_refunds_used < $3 RETURNING trial_refunds_used"};
constexpr Query kFirstApiCall{"UPDATE customers SET first_api_call_at = $2 WHERE id = $1 AND first_api_call_at IS NULL"};
constexpr Query kFirstFixAttempt{
    "UPDATE customers SET first_fix_attempt_at = $2 WHERE id = $1 AND first_fix_attempt_at IS NULL"};
constexpr Query kUpdateProfile{"UPDATE customers SET name = $2, company = $3, updated_at = $4 WHERE id = $1"};
constexpr Query kChangeEmail{
    "UPDATE customers SET email = $2, email_canonical = $3, email_undeliverable_at = NULL, updated_at = $4 "
    "WHERE id = $1"};
constexpr Query kSetStatus{"UPDATE customers SET status = $2, updated_at = $3 WHERE id = $1 AND status <> $2"};
constexpr Query kCompleteOnboarding{
    "UPDATE customers SET onboarding_completed_at = $2, updated_at = $2 WHERE id = $1 AND onboarding_completed_at IS NULL"};
constexpr Query kSkipOnboarding{
    "UPDATE customers SET onboarding_skipped_at = $2, updated_at = $2 WHERE id = $1 AND onboarding_skipped_at IS NULL"};
constexpr Query kMarkVerified{
    "UPDATE customers SET email_verified_at = $2, updated_at = $2 WHERE id = $1 AND email_verified_at IS NULL"};
constexpr Query kMarkUndeliverable{
    "UPDATE customers SET email_undeliverable_at = COALESCE(email_undeliverable_at, $2), updated_at = $2 WHERE id = $1"};

std::optional<CustomerRecord> toRecord(const ResultSet& rs) {
    auto row = rs.first();
    if (!row) return std::nullopt;
    CustomerRecord c;
    c.id = row->i64("id");
    c.email = row->str("email");
    c.email_canonical = row->str("email_canonical");
    c.name = row->str("name");
    c.company = row->opt("company");
    c.subscription_plan = row->str("subscription_plan");
    c.trial_fixes_limit = int(row->i64("trial_fixes_limit"));
    c.trial_fixes_used = int(row->i64("trial_fixes_used"));
    c.auto_provisioned = row->boolean("auto_provisioned");
    c.onboarding_completed_at = row->optTime("onboarding_completed_at");
    c.status = row->str("status");
    c.onboarding_emails = row->boolean("onboarding_emails");
    c.email_undeliverable_at = row->optTime("email_undeliverable_at");
    c.created_at = row->time("created_at");
    c.updated_at = row->time("updated_at");
    c.first_api_call_at = row->optTime("first_api_call_at");
    c.first_fix_attempt_at = row->optTime("first_fix_attempt_at");
    c.onboarding_skipped_at = row->optTime("onboarding_skipped_at");
    c.trial_refunds_used = int(row->i64("trial_refunds_used"));
    c.email_verified_at = row->optTime("email_verified_at");
    return c;
}

}  // namespace

std::int64_t CustomerRepository::insert(const NewCustomer& c, Timestamp now) {
    return tx_.exec(kInsert, {c.email, c.email_canonical, c.name, nullable(c.company), c.subscription_plan,
                              std::int64_t(c.trial_fixes_limit), c.auto_provisioned, now})
        .front()
        .i64("id");
}

std::optional<CustomerRecord> CustomerRepository::findById(std::int64_t id) { return toRecord(tx_.exec(kById, {id})); }

std::optional<CustomerRecord> CustomerRepository::findByCanonicalEmail(const std::string& canonical) {
    return toRecord(tx_.exec(kByCanonical, {canonical}));
}

std::int64_t CustomerRepository::count() { return tx_.exec(kCount).front().i64("n"); }

void CustomerRepository::setOnboardingEmails(std::int64_t id, bool enabled, Timestamp now) {
    tx_.exec(kSetOnboardingEmails, {id, enabled, now});
}

void CustomerRepository::markEmailUndeliverable(std::int64_t id, Timestamp now) {
    tx_.exec(kMarkUndeliverable, {id, now});
}

}  // namespace rsolv::storage

namespace rsolv::storage {

std::optional<CustomerRepository::Credits> CustomerRepository::consumeFixCredit(std::int64_t id, Timestamp now) {
    auto row = tx_.exec(kConsumeCredit, {id, now}).first();
    if (!row) return std::nullopt;
    return Credits{int(row->i64("trial_fixes_used")), int(row->i64("trial_fixes_limit"))};
}

std::optional<int> CustomerRepository::refundFixCredit(std::int64_t id, int max_refunds, Timestamp now) {
    auto row = tx_.exec(kRefundCredit, {id, now, std::int64_t(max_refunds)}).first();
    if (!row) return std::nullopt;
    return int(row->i64("trial_refunds_used"));
}

bool CustomerRepository::markFirstApiCall(std::int64_t id, Timestamp now) {
    return tx_.exec(kFirstApiCall, {id, now}).affected == 1;
}

bool CustomerRepository::markFirstFixAttempt(std::int64_t id, Timestamp now) {
    return tx_.exec(kFirstFixAttempt, {id, now}).affected == 1;
}

bool CustomerRepository::markEmailVerified(std::int64_t id, Timestamp now) {
    return tx_.exec(kMarkVerified, {id, now}).affected == 1;
}

}  // namespace rsolv::storage

namespace rsolv::storage {

void CustomerRepository::updateProfile(std::int64_t id, const std::string& name, const std::optional<std::string>& company,
                                       Timestamp now) {
    tx_.exec(kUpdateProfile, {id, name, nullable(company), now});
}

void CustomerRepository::changeEmail(std::int64_t id, const std::string& email, const std::string& canonical,
                                     Timestamp now) {
    tx_.exec(kChangeEmail, {id, email, canonical, now});
}

bool CustomerRepository::setStatus(std::int64_t id, const std::string& status, Timestamp now) {
    return tx_.exec(kSetStatus, {id, status, now}).affected == 1;
}

bool CustomerRepository::completeOnboarding(std::int64_t id, Timestamp now) {
    return tx_.exec(kCompleteOnboarding, {id, now}).affected == 1;
}

bool CustomerRepository::skipOnboarding(std::int64_t id, Timestamp now) {
    return tx_.exec(kSkipOnboarding, {id, now}).affected == 1;
}

}  // namespace rsolv::storage
