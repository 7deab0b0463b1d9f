#include "domain/admin/operators.h"

#include "common/crypto.h"
#include "common/text.h"
#include "domain/email_address.h"
#include "domain/rate_limiter.h"
#include "storage/new_job.h"

namespace rsolv::domain::admin {
namespace {

std::string tokenHash(const std::string& token) { return crypto::sha256Hex(token); }

nlohmann::json operatorState(const storage::OperatorRecord& op) {
    return {{"email", op.email}, {"role", op.role}, {"disabled", op.disabled_at.has_value()}};
}

Result<storage::OperatorRecord> existing(storage::Transaction& tx, std::int64_t id) {
    auto op = storage::OperatorRepository(tx).findById(id);
    if (!op) return Error{"not_found", "", "No operator has that id."};
    return *op;
}

}  // namespace

bool isRole(std::string_view role) { return role == "admin" || role == "viewer"; }

Result<std::int64_t> addOperator(storage::Transaction& tx, std::string_view email, std::string_view role,
                                 const Actor& actor, const std::string& reason, Timestamp now) {
    const auto address = parseEmail(email);
    if (!address.ok()) return Error{"invalid_email", "email", address.error().message};
    if (!isRole(role)) return Error{"invalid_role", "role", "The role is admin or viewer."};
    storage::OperatorRepository repo(tx);
    if (repo.findByCanonicalEmail(address.value().canonical))
        return Error{"operator_exists", "email", "That address is already an operator."};
    const auto id = repo.insert(address.value().as_typed, address.value().canonical, std::string(role), now);
    audit(tx, actor, reason,
          {"operator.add", "operator", std::to_string(id), std::nullopt, nlohmann::json::object(),
           {{"email", address.value().as_typed}, {"role", std::string(role)}}},
          now);
    return id;
}

Result<bool> setOperatorRole(storage::Transaction& tx, std::int64_t operator_id, std::string_view role,
                             const Actor& actor, const std::string& reason, Timestamp now) {
    if (!isRole(role)) return Error{"invalid_role", "role", "The role is admin or viewer."};
    auto op = existing(tx, operator_id);
    if (!op.ok()) return op.error();
    if (op.value().role == role) return false;
    storage::OperatorRepository(tx).setRole(operator_id, std::string(role));
    auto after = operatorState(op.value());
    after["role"] = std::string(role);
    audit(tx, actor, reason,
          {"operator.role", "operator", std::to_string(operator_id), std::nullopt, operatorState(op.value()), after},
          now);
    return true;
}

Result<bool> setOperatorDisabled(storage::Transaction& tx, std::int64_t operator_id, bool disabled, const Actor& actor,
                                 const std::string& reason, Timestamp now) {
    auto op = existing(tx, operator_id);
    if (!op.ok()) return op.error();
    if (op.value().disabled_at.has_value() == disabled) return false;
    storage::OperatorRepository repo(tx);
    repo.setDisabled(operator_id, disabled ? std::optional<Timestamp>(now) : std::nullopt);
    if (disabled) repo.removeSessionsOf(operator_id);
    auto after = operatorState(op.value());
    after["disabled"] = disabled;
    audit(tx, actor, reason,
          {disabled ? "operator.disable" : "operator.enable", "operator", std::to_string(operator_id), std::nullopt,
           operatorState(op.value()), after},
          now);
    return true;
}

bool requestOperatorLink(storage::Transaction& tx, std::string_view typed_email, const std::string& client_ip,
                         Timestamp now, const OperatorPolicy& policy, const RateLimiter& limiter) {
    const auto ip = limiter.admit(tx, {{"admin-signin:ip:" + client_ip, policy.links_per_ip_per_hour, std::chrono::hours(1)}},
                          now);
    if (!ip.allowed) return false;
    const auto address = parseEmail(typed_email);
    if (!address.ok()) return true;
    const auto email = limiter.admit(tx,
                             {{"admin-signin:email:" + crypto::sha256Hex(address.value().canonical),
                               policy.links_per_email_per_hour, std::chrono::hours(1)}},
                             now);
    if (!email.allowed) return true;
    storage::enqueue(tx,
                     {std::string(kOperatorSignInJob),
                      {{"email", address.value().canonical}, {"instance", crypto::hex(crypto::randomBytes(8))}},
                      std::nullopt, now, 3},
                     now);
    return true;
}

std::optional<IssuedOperatorLink> issueOperatorLink(storage::Transaction& tx, const std::string& canonical_email,
                                                    Timestamp now, const OperatorPolicy& policy) {
    storage::OperatorRepository repo(tx);
    auto op = repo.findByCanonicalEmail(canonical_email);
    if (!op || op->disabled_at) return std::nullopt;
    IssuedOperatorLink out{crypto::randomToken(32), *op};
    repo.insertToken(tokenHash(out.token), op->id, now, now + policy.link_ttl);
    return out;
}

std::optional<StartedOperatorSession> signInOperator(storage::Transaction& tx, const std::string& token,
                                                     const std::string& previous_token, const std::string& ip,
                                                     const std::string& user_agent, Timestamp now,
                                                     const OperatorPolicy& policy) {
    if (token.empty() || token.size() > 100) return std::nullopt;
    storage::OperatorRepository repo(tx);
    const auto operator_id = repo.redeemToken(tokenHash(token), now);
    if (!operator_id) return std::nullopt;
    const auto op = repo.findById(*operator_id);
    if (!op || op->disabled_at) return std::nullopt;
    if (!previous_token.empty()) endOperatorSession(tx, previous_token);
    StartedOperatorSession s{crypto::randomToken(32), {}};
    s.id_hash = tokenHash(s.token);
    repo.insertSession({s.id_hash, op->id, now, now, now + policy.absolute_timeout, ip, sanitizeUtf8(user_agent, 300)});
    return s;
}

std::optional<OperatorSignedIn> resolveOperatorSession(storage::Transaction& tx, const std::string& token,
                                                       Timestamp now, const OperatorPolicy& policy) {
    if (token.empty() || token.size() > 100) return std::nullopt;
    storage::OperatorRepository repo(tx);
    const std::string hash = tokenHash(token);
    auto s = repo.findSession(hash);
    if (!s) return std::nullopt;
    auto op = repo.findById(s->operator_id);
    if (!op || op->disabled_at || now >= s->expires_at || now - s->last_seen_at >= policy.idle_timeout) {
        repo.removeSession(hash);
        return std::nullopt;
    }
    if (now - s->last_seen_at >= policy.touch_interval) {
        repo.touchSession(hash, now);
        s->last_seen_at = now;
    }
    return OperatorSignedIn{*s, *op};
}

void endOperatorSession(storage::Transaction& tx, const std::string& token) {
    if (token.empty() || token.size() > 100) return;
    storage::OperatorRepository(tx).removeSession(tokenHash(token));
}

std::vector<storage::OperatorRecord> listOperators(storage::Transaction& tx) {
    return storage::OperatorRepository(tx).list();
}

}  // namespace rsolv::domain::admin
