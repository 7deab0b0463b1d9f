#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>

#include "common/clock.h"
#include "storage/database.h"

namespace rsolv::domain {

/// Names of provisioning_events.event_type, so a dashboard or a query can rely on them.
namespace event {
inline constexpr std::string_view kSignupRejected = "signup_rejected";
inline constexpr std::string_view kSignupDuplicate = "signup_duplicate";
inline constexpr std::string_view kCustomerCreated = "customer_created";
inline constexpr std::string_view kApiKeyGenerated = "api_key_generated";
inline constexpr std::string_view kWelcomeEmail = "welcome_email";
inline constexpr std::string_view kSessionStarted = "session_started";
inline constexpr std::string_view kProvisioningCompleted = "provisioning_completed";
inline constexpr std::string_view kProvisioningFailed = "provisioning_failed";
}  // namespace event

/// Records one provisioning event in the caller's transaction.
void recordEvent(storage::Transaction& tx, std::optional<std::int64_t> customer_id, std::string_view type,
                 std::string_view status, const nlohmann::json& details, Timestamp now);

}  // namespace rsolv::domain
