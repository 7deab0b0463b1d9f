#pragma once

#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/result.h"
#include "domain/admin/audit.h"
#include "storage/database.h"

namespace rsolv::domain::admin {

/// The operator's overrides on a customer. Each runs in the caller's transaction and writes its audit row there, so
/// the change and its record commit together or not at all. Each checks the typed reason first (field "reason") and
/// answers a sentence for the operator, or an Error ("not_found", "invalid_amount", ...).
Result<std::string> grantCredits(storage::Transaction& tx, std::int64_t customer_id, int credits, const Actor& actor,
                                 std::string_view reason, Timestamp now);
Result<std::string> resetUsage(storage::Transaction& tx, std::int64_t customer_id, const Actor& actor,
                               std::string_view reason, Timestamp now);
/// "suspended" or "active".
Result<std::string> changeStatus(storage::Transaction& tx, std::int64_t customer_id, const std::string& status,
                                 const Actor& actor, std::string_view reason, Timestamp now);
Result<std::string> endAllSessions(storage::Transaction& tx, std::int64_t customer_id, const Actor& actor,
                                   std::string_view reason, Timestamp now);
/// By the key's id, or (from the command line) by its identifier "rsolv_AbCd…WxYz".
Result<std::string> revokeCustomerKey(storage::Transaction& tx, std::int64_t customer_id, std::int64_t key_id,
                                      const Actor& actor, std::string_view reason, Timestamp now);
Result<std::int64_t> keyIdByIdentifier(storage::Transaction& tx, std::int64_t customer_id,
                                       std::string_view display_id);
/// The customer gets a sign-in link by email; the operator never sees it.
Result<std::string> sendSignInLink(storage::Transaction& tx, std::int64_t customer_id, const Actor& actor,
                                   std::string_view reason, Timestamp now);
Result<std::string> resendWelcomeEmail(storage::Transaction& tx, std::int64_t customer_id, const Actor& actor,
                                       std::string_view reason, Timestamp now);

/// Marks the customer's address proved (the operator checked it another way), audited. Error "unchanged" when it is.
Result<std::string> markEmailVerified(storage::Transaction& tx, std::int64_t customer_id, const Actor& actor,
                                      std::string_view reason, Timestamp now);

/// Erases a customer (admins only; `typed_email` must be the customer's address, as confirmation): email, name,
/// company, IP addresses and user agents, keys, sessions, tokens and rate-limit hits naming it are gone; its row,
/// provisioning events and fix attempts stay, anonymised. The audit row names the customer by id only.
Result<std::string> eraseCustomer(storage::Transaction& tx, std::int64_t customer_id, std::string_view typed_email,
                                  const Actor& actor, std::string_view reason, Timestamp now);

/// The most credits one grant may add.
inline constexpr int kMaxCreditGrant = 10000;

}  // namespace rsolv::domain::admin
