#include "domain/signup_challenge.h"

#include <cstring>

#include "common/crypto.h"
#include "common/text.h"
#include "domain/events.h"
#include "storage/signup_challenge_repository.h"

namespace rsolv::domain {

ChallengeMode parseChallengeMode(const std::string& text) {
    if (text == "off") return ChallengeMode::Off;
    if (text == "always") return ChallengeMode::Always;
    return ChallengeMode::Auto;
}

bool challengeActive(storage::Transaction& tx, const ChallengePolicy& policy, Timestamp now) {
    if (policy.mode == ChallengeMode::Off) return false;
    if (policy.mode == ChallengeMode::Always) return true;
    return storage::SignupChallengeRepository(tx).signupsSince(now - std::chrono::minutes(1)) > policy.threshold;
}

Challenge issueChallenge(const std::string& key32, const ChallengePolicy& policy, Timestamp now) {
    Challenge c;
    c.max_number = policy.max_number;
    c.salt = crypto::hex(crypto::randomBytes(12)) + "." + std::to_string(unixSeconds(now + policy.ttl));
    std::uint32_t r = 0;
    const std::string bytes = crypto::randomBytes(sizeof r);
    std::memcpy(&r, bytes.data(), sizeof r);
    const std::uint32_t secret = r % std::uint32_t(policy.max_number);
    c.challenge = crypto::sha256Hex(c.salt + std::to_string(secret));
    c.signature = crypto::mac(key32, "signup-challenge:" + c.salt + ":" + c.challenge);
    return c;
}

ChallengeCheck verifyChallenge(storage::Transaction& tx, const std::string& key32, const ChallengeSolution& s,
                               Timestamp now) {
    if (s.salt.empty() && s.number.empty()) return ChallengeCheck::Missing;
    const auto dot = s.salt.find('.');
    if (dot == std::string::npos || s.salt.size() > 64 || s.challenge.size() != 64) return ChallengeCheck::Invalid;
    const auto expires = wholeNumber(std::string_view(s.salt).substr(dot + 1));
    const auto number = wholeNumber(s.number);
    if (!expires || !number) return ChallengeCheck::Invalid;
    if (!crypto::verifyMac(key32, "signup-challenge:" + s.salt + ":" + s.challenge, s.signature))
        return ChallengeCheck::Invalid;
    if (*expires <= unixSeconds(now)) return ChallengeCheck::Expired;
    if (crypto::sha256Hex(s.salt + std::to_string(*number)) != s.challenge) return ChallengeCheck::Invalid;
    const Timestamp expires_at{std::chrono::seconds(*expires)};
    if (!storage::SignupChallengeRepository(tx).markUsed(s.salt, expires_at, now)) return ChallengeCheck::Reused;
    return ChallengeCheck::Passed;
}

void recordChallengeFailed(storage::Transaction& tx, ChallengeCheck check, const std::string& ip, Timestamp now) {
    const char* what = check == ChallengeCheck::Missing   ? "missing"
                       : check == ChallengeCheck::Expired ? "expired"
                       : check == ChallengeCheck::Reused  ? "reused"
                                                          : "invalid";
    recordEvent(tx, std::nullopt, event::kSignupRejected, "rejected",
                {{"reason", "challenge_failed"}, {"challenge", what}, {"ip", ip}}, now);
}

}  // namespace rsolv::domain
