#include "app/provision_cli.h"

#include <nlohmann/json.hpp>

#include "app/app.h"
#include "domain/admin/audit.h"
#include "domain/provisioning.h"

namespace rsolv::app {
namespace {

constexpr const char* kReason = "rsolv provision (the key was printed to the terminal)";

/// The audit row, written in the signup's transaction once the customer exists.
auto auditedAs(const std::string& actor) {
    return [actor](storage::Transaction& tx, std::int64_t customer_id, Timestamp now) {
        domain::admin::audit(tx, {actor, "cli"}, kReason,
                             {"customer.provision", "customer", std::to_string(customer_id), customer_id,
                              nlohmann::json::object(), {{"status", "active"}, {"key_shown_to", "terminal"}}},
                             now);
    };
}

int reportRefusal(const domain::SignupOutcome& out, std::ostream& err) {
    using Status = domain::SignupOutcome::Status;
    for (const auto& e : out.errors) err << e.field << ": " << e.message << "\n";
    if (out.status == Status::Duplicate) err << "a customer with that email already exists\n";
    if (out.status == Status::RateLimited) err << "rate limited\n";
    if (out.status == Status::Waitlisted)
        err << "signups are by invitation or closed: the address joined the waitlist (rsolv admin provision lets a "
               "customer in by hand)\n";
    return 1;
}

}  // namespace

int runProvisionCommand(const CommandLineSignup& signup, const Config& config, const Clock& clock,
                        const std::string& actor, std::ostream& out, std::ostream& err) {
    App application(config, clock);
    domain::SignupRequest request{signup.email, signup.name, signup.company, "cli", "rsolv provision",
                                  /*start_session=*/false, std::nullopt, {}, /*by_operator=*/false,
                                  auditedAs(actor)};
    const auto outcome = application.provisioning().provisionFromSignup(request);
    if (outcome.status != domain::SignupOutcome::Status::Provisioned) return reportRefusal(outcome, err);
    out << "customer " << outcome.customer_id << "\napi key (shown once): " << outcome.api_key << "\n";
    return 0;
}

}  // namespace rsolv::app
