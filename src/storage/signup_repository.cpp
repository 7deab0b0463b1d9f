#include "storage/signup_repository.h"

namespace rsolv::storage {
namespace {

constexpr Query kMode{"SELECT mode FROM signup_settings WHERE id = 1"};
constexpr Query kSetMode{"UPDATE signup_settings SET mode = $1, updated_at = $2 WHERE id = 1 AND mode <> $1"};

#define RSOLV_INVITATION_COLUMNS "id, kind, value, created_at, created_by, used_at, customer_id"
constexpr Query kInsertInvitation{
    "INSERT INTO invitations (kind, value, token_hash, created_at, created_by) VALUES ($1, $2, $3, $4, $5) "
    "ON CONFLICT DO NOTHING RETURNING id"};
// An address's own invitation before its domain's.
constexpr Query kInvitationFor{
    "SELECT " RSOLV_INVITATION_COLUMNS " FROM invitations WHERE (kind = 'email' AND value = $1) "
    "OR (kind = 'domain' AND value = $2) ORDER BY CASE kind WHEN 'email' THEN 0 ELSE 1 END LIMIT 1"};
constexpr Query kClaimLink{
    "UPDATE invitations SET used_at = $2 WHERE token_hash = $1 AND kind = 'link' AND used_at IS NULL RETURNING id"};
constexpr Query kLinkUnused{
    "SELECT id FROM invitations WHERE token_hash = $1 AND kind = 'link' AND used_at IS NULL"};
constexpr Query kMarkUsed{
    "UPDATE invitations SET used_at = COALESCE(used_at, $3), customer_id = COALESCE(customer_id, $2) "
    "WHERE id = $1 AND kind <> 'domain'"};
constexpr Query kFindInvitation{"SELECT " RSOLV_INVITATION_COLUMNS " FROM invitations WHERE id = $1"};
constexpr Query kListInvitations{"SELECT " RSOLV_INVITATION_COLUMNS " FROM invitations ORDER BY id DESC LIMIT $1"};
#undef RSOLV_INVITATION_COLUMNS

#define RSOLV_WAITLIST_COLUMNS \
    "id, email, email_canonical, name, company, created_at, approved_at, invitation_id"
constexpr Query kJoinWaitlist{
    "INSERT INTO waitlist (email, email_canonical, name, company, created_at) VALUES ($1, $2, $3, $4, $5) "
    "ON CONFLICT (email_canonical) DO NOTHING"};
constexpr Query kFindWaitlist{"SELECT " RSOLV_WAITLIST_COLUMNS " FROM waitlist WHERE id = $1"};
constexpr Query kWaitlistOfInvitation{"SELECT " RSOLV_WAITLIST_COLUMNS " FROM waitlist WHERE invitation_id = $1"};
constexpr Query kWaitlistByCanonical{"SELECT " RSOLV_WAITLIST_COLUMNS " FROM waitlist WHERE email_canonical = $1"};
constexpr Query kListWaitlist{"SELECT " RSOLV_WAITLIST_COLUMNS " FROM waitlist ORDER BY id LIMIT $1"};
#undef RSOLV_WAITLIST_COLUMNS
constexpr Query kApprove{
    "UPDATE waitlist SET approved_at = $3, invitation_id = $2 WHERE id = $1 AND approved_at IS NULL"};

constexpr Query kEraseWaitlist{"DELETE FROM waitlist WHERE email_canonical = $1"};
constexpr Query kEraseInvitations{"DELETE FROM invitations WHERE kind IN ('email', 'link') AND value = $1"};

InvitationRecord toInvitation(const Row& r) {
    return InvitationRecord{r.i64("id"),         r.str("kind"),          r.str("value"),
                            r.time("created_at"), r.str("created_by"),   r.optTime("used_at"),
                            r.optI64("customer_id")};
}

WaitlistRecord toWaitlist(const Row& r) {
    return WaitlistRecord{r.i64("id"),         r.str("email"),           r.str("email_canonical"),
                          r.str("name"),       r.str("company"),         r.time("created_at"),
                          r.optTime("approved_at"), r.optI64("invitation_id")};
}

template <class T, class F>
std::optional<T> firstOf(const ResultSet& rs, F convert) {
    if (rs.empty()) return std::nullopt;
    return convert(rs.front());
}

}  // namespace

std::string SignupRepository::mode() {
    const auto rs = tx_.exec(kMode);
    return rs.empty() ? std::string("open") : rs.front().str("mode");
}

bool SignupRepository::setMode(const std::string& mode, Timestamp now) {
    return tx_.exec(kSetMode, {mode, now}).affected == 1;
}

std::optional<std::int64_t> SignupRepository::insertInvitation(const std::string& kind, const std::string& value,
                                                               const std::optional<std::string>& token_hash,
                                                               const std::string& created_by, Timestamp now) {
    const auto rs = tx_.exec(kInsertInvitation, {kind, value, nullable(token_hash), now, created_by});
    if (rs.empty()) return std::nullopt;
    return rs.front().i64("id");
}

std::optional<InvitationRecord> SignupRepository::invitationFor(const std::string& canonical,
                                                                const std::string& domain) {
    return firstOf<InvitationRecord>(tx_.exec(kInvitationFor, {canonical, domain}), toInvitation);
}

std::optional<std::int64_t> SignupRepository::claimLink(const std::string& token_hash, Timestamp now) {
    const auto rs = tx_.exec(kClaimLink, {token_hash, now});
    if (rs.empty()) return std::nullopt;
    return rs.front().i64("id");
}

bool SignupRepository::linkUnused(const std::string& token_hash) {
    return !tx_.exec(kLinkUnused, {token_hash}).empty();
}

void SignupRepository::markUsed(std::int64_t id, std::int64_t customer_id, Timestamp now) {
    tx_.exec(kMarkUsed, {id, customer_id, now});
}

std::optional<InvitationRecord> SignupRepository::findInvitation(std::int64_t id) {
    return firstOf<InvitationRecord>(tx_.exec(kFindInvitation, {id}), toInvitation);
}

std::vector<InvitationRecord> SignupRepository::listInvitations(int limit) {
    const auto rs = tx_.exec(kListInvitations, {std::int64_t(limit)});
    std::vector<InvitationRecord> out;
    for (size_t i = 0; i < rs.size(); ++i) out.push_back(toInvitation(rs[i]));
    return out;
}

bool SignupRepository::joinWaitlist(const std::string& email, const std::string& canonical, const std::string& name,
                                    const std::string& company, Timestamp now) {
    return tx_.exec(kJoinWaitlist, {email, canonical, name, company, now}).affected == 1;
}

std::optional<WaitlistRecord> SignupRepository::findWaitlistEntry(std::int64_t id) {
    return firstOf<WaitlistRecord>(tx_.exec(kFindWaitlist, {id}), toWaitlist);
}

std::optional<WaitlistRecord> SignupRepository::waitlistEntryOfInvitation(std::int64_t invitation_id) {
    return firstOf<WaitlistRecord>(tx_.exec(kWaitlistOfInvitation, {invitation_id}), toWaitlist);
}

std::optional<WaitlistRecord> SignupRepository::waitlistEntryByCanonical(const std::string& canonical) {
    return firstOf<WaitlistRecord>(tx_.exec(kWaitlistByCanonical, {canonical}), toWaitlist);
}

std::vector<WaitlistRecord> SignupRepository::listWaitlist(int limit) {
    const auto rs = tx_.exec(kListWaitlist, {std::int64_t(limit)});
    std::vector<WaitlistRecord> out;
    for (size_t i = 0; i < rs.size(); ++i) out.push_back(toWaitlist(rs[i]));
    return out;
}

bool SignupRepository::approve(std::int64_t id, std::int64_t invitation_id, Timestamp now) {
    return tx_.exec(kApprove, {id, invitation_id, now}).affected == 1;
}

void SignupRepository::eraseAddress(const std::string& canonical) {
    tx_.exec(kEraseWaitlist, {canonical});
    tx_.exec(kEraseInvitations, {canonical});
}

}  // namespace rsolv::storage
