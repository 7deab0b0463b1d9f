#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"

namespace rsolv::domain {

/// The emails a customer receives, as job kinds.
namespace email_kind {
inline constexpr std::string_view kWelcome = "email.welcome";
inline constexpr std::string_view kAlreadyRegistered = "email.already_registered";
inline constexpr std::string_view kOnboarding24h = "email.onboarding_24h";
inline constexpr std::string_view kOnboarding72h = "email.onboarding_72h";
inline constexpr std::string_view kOnboarding1w = "email.onboarding_1w";
inline constexpr std::string_view kSignIn = "email.sign_in";               ///< a link asked for at /login
inline constexpr std::string_view kEmailChange = "email.email_change";     ///< confirm a new address, sent to it
inline constexpr std::string_view kEmailChanged = "email.email_changed";   ///< tells the old address it was replaced
}  // namespace email_kind

/// RFC-065's follow-ups: 24 hours, 72 hours and one week after signup.
struct FollowUp {
    std::string_view kind;
    Duration delay;
};
const std::vector<FollowUp>& followUps();

bool isOnboardingEmail(std::string_view kind);

/// What a follow-up talks about, decided when it is sent, not when it was scheduled.
enum class OnboardingState {
    NoApiCallYet,  ///< no key has been used: how to add the workflow
    FixesRunning,  ///< fixes are being made: usage and tips
    TrialUsedUp,   ///< every free fix used: what comes next
};
OnboardingState onboardingState(bool any_key_used, int fixes_used, int fixes_limit);
std::string_view toString(OnboardingState state);

/// One job per customer and email kind (the unique index makes "one welcome email" a database fact).
std::string emailJobKey(std::string_view kind, std::int64_t customer_id);
/// A Message-ID that stays the same for every attempt at the same email, so a retried send is recognisable.
std::string emailMessageId(std::string_view kind, std::int64_t customer_id, std::string_view instance,
                           std::string_view host);

}  // namespace rsolv::domain
