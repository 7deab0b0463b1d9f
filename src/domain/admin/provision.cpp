#include "domain/admin/provision.h"

namespace rsolv::domain::admin {

Result<Provisioned> provisionByHand(Provisioning& provisioning, std::string_view email, std::string_view name,
                                    std::string_view company, const Actor& actor, std::string_view typed_reason) {
    auto reason = checkReason(typed_reason);
    if (!reason.ok()) return reason.error();
    SignupRequest request{std::string(email), std::string(name), std::string(company), actor.ip,
                          "operator " + actor.name, false, std::nullopt, {}, /*by_operator=*/true,
                          [&](storage::Transaction& tx, std::int64_t customer_id, Timestamp now) {
                              audit(tx, actor, reason.value(),
                                    {"customer.provision", "customer", std::to_string(customer_id), customer_id,
                                     nlohmann::json::object(), {{"status", "active"}, {"welcome_email", "queued"}}},
                                    now);
                          }};
    const auto out = provisioning.provisionFromSignup(request);
    switch (out.status) {
        case SignupOutcome::Status::Provisioned:
            return Provisioned{out.customer_id, "Provisioned customer " + std::to_string(out.customer_id) +
                                                    ": the welcome email is on its way."};
        case SignupOutcome::Status::Duplicate:
            return Error{"duplicate", "email", "A customer with that email address exists already."};
        case SignupOutcome::Status::Invalid: {
            std::string message;
            for (const auto& e : out.errors) message += (message.empty() ? "" : " ") + e.field + ": " + e.message;
            return Error{"invalid", out.errors.empty() ? "" : out.errors.front().field, message};
        }
        case SignupOutcome::Status::RateLimited:
        case SignupOutcome::Status::Waitlisted:
            break;
    }
    return Error{"refused", "", "The customer could not be provisioned."};
}

}  // namespace rsolv::domain::admin
