// Provisioning as the monitoring sees it: the outcome of every signup and the time to its commit.
#include "domain/provisioning.h"

namespace rsolv::domain {

std::string_view signupOutcomeLabel(const SignupOutcome& outcome) {
    switch (outcome.status) {
        case SignupOutcome::Status::Provisioned:
            return "provisioned";
        case SignupOutcome::Status::Duplicate:
            return "duplicate";
        case SignupOutcome::Status::RateLimited:
            return "rate_limited";
        case SignupOutcome::Status::Waitlisted:
            return "waitlisted";
        case SignupOutcome::Status::Invalid:
            for (const auto& e : outcome.errors)
                if (e.code == "disposable") return "disposable";
            return "invalid";
    }
    return "invalid";
}

SignupOutcome Provisioning::provisionFromSignup(const SignupRequest& request) {
    const auto received = request.received.value_or(std::chrono::steady_clock::now());
    try {
        SignupOutcome outcome = provision(request);
        std::optional<double> seconds;
        if (outcome.status == SignupOutcome::Status::Provisioned)
            seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - received).count();
        telemetry_->signupFinished(signupOutcomeLabel(outcome), seconds);
        return outcome;
    } catch (...) {
        telemetry_->signupFinished("failed", std::nullopt);
        throw;
    }
}

}  // namespace rsolv::domain
