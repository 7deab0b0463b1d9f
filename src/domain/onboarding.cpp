#include "domain/onboarding.h"

namespace rsolv::domain {

const std::vector<FollowUp>& followUps() {
    static const std::vector<FollowUp> all = {{email_kind::kOnboarding24h, std::chrono::hours(24)},
                                              {email_kind::kOnboarding72h, std::chrono::hours(72)},
                                              {email_kind::kOnboarding1w, std::chrono::hours(24 * 7)}};
    return all;
}

bool isOnboardingEmail(std::string_view kind) {
    return kind == email_kind::kOnboarding24h || kind == email_kind::kOnboarding72h ||
           kind == email_kind::kOnboarding1w;
}

OnboardingState onboardingState(bool any_key_used, int fixes_used, int fixes_limit) {
    if (fixes_limit > 0 && fixes_used >= fixes_limit) return OnboardingState::TrialUsedUp;
    if (!any_key_used && fixes_used == 0) return OnboardingState::NoApiCallYet;
    return OnboardingState::FixesRunning;
}

std::string_view toString(OnboardingState state) {
    switch (state) {
        case OnboardingState::NoApiCallYet: return "no_api_call_yet";
        case OnboardingState::FixesRunning: return "fixes_running";
        case OnboardingState::TrialUsedUp: return "trial_used_up";
    }
    return "unknown";
}

std::string emailJobKey(std::string_view kind, std::int64_t customer_id) {
    return std::string(kind) + ":" + std::to_string(customer_id);
}

std::string emailMessageId(std::string_view kind, std::int64_t customer_id, std::string_view instance,
                           std::string_view host) {
    std::string id = "<" + std::string(kind.substr(kind.find('.') + 1)) + "." + std::to_string(customer_id);
    if (!instance.empty()) id += "." + std::string(instance);
    return id + "@" + std::string(host) + ">";
}

}  // namespace rsolv::domain
