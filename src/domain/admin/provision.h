#pragma once

#include <string>
#include <string_view>

#include "common/result.h"
#include "domain/admin/audit.h"
#include "domain/provisioning.h"

namespace rsolv::domain::admin {

/// A customer an operator provisioned.
struct Provisioned {
    std::int64_t customer_id = 0;
    std::string message;
};

/// The RFC's manual fallback: provisions a customer by hand through the same pipeline as a signup (customer, key,
/// welcome email), with the audit row in its transaction. No signup mode and no rate limit apply; nobody is signed
/// in and the key is never shown (the welcome email goes out as usual). Errors: "reason_required", "duplicate",
/// "invalid" (the fields' messages).
Result<Provisioned> provisionByHand(Provisioning& provisioning, std::string_view email, std::string_view name,
                                    std::string_view company, const Actor& actor, std::string_view reason);

}  // namespace rsolv::domain::admin
