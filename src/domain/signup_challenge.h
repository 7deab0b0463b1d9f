#pragma once

#include <string>

#include "common/clock.h"
#include "storage/database.h"

namespace rsolv::domain {

/// A proof-of-work challenge for signup, in the manner of ALTCHA (issue 9, the RFC's "CAPTCHA if needed", without a
/// third party). The server picks a secret number n below `max_number` and publishes SHA-256(salt + n), the salt (a
/// random id and an expiry) and an HMAC of both under a server subkey. The browser finds n by trying every number
/// (static/challenge.js, about a second); the server checks the HMAC, the expiry and one hash, and records the salt
/// as used, so a solution works once on any instance.
enum class ChallengeMode { Off, Auto, Always };

/// RSOLV_SIGNUP_CHALLENGE and RSOLV_SIGNUP_CHALLENGE_THRESHOLD.
struct ChallengePolicy {
    ChallengeMode mode = ChallengeMode::Auto;
    int threshold = 30;                              ///< auto: on while more signups than this in the last minute
    int max_number = 50000;                          ///< the work: a browser tries half of these on average
    Duration ttl = std::chrono::minutes(10);
};

ChallengeMode parseChallengeMode(const std::string& text);  ///< "off", "auto", "always" (anything else: auto)

/// Whether signup asks for the challenge now: always, never, or (auto) when the signup attempts of every instance in
/// the last minute, read from the database, pass the threshold.
bool challengeActive(storage::Transaction& tx, const ChallengePolicy& policy, Timestamp now);

struct Challenge {
    std::string salt;       ///< "<random hex>.<expiry, unix seconds>"
    std::string challenge;  ///< hex SHA-256 of salt + n
    std::string signature;  ///< HMAC of salt and challenge
    int max_number = 0;
};
Challenge issueChallenge(const std::string& key32, const ChallengePolicy& policy, Timestamp now);

/// The number the browser found, as sent back with the form.
struct ChallengeSolution {
    std::string salt;
    std::string challenge;
    std::string signature;
    std::string number;
};
enum class ChallengeCheck { Passed, Missing, Invalid, Expired, Reused };
/// Checks a solution and, when it is right, uses the challenge up in the caller's transaction.
ChallengeCheck verifyChallenge(storage::Transaction& tx, const std::string& key32, const ChallengeSolution& solution,
                               Timestamp now);

/// Records a refused signup as `signup_rejected` with reason `challenge_failed` and what was wrong.
void recordChallengeFailed(storage::Transaction& tx, ChallengeCheck check, const std::string& ip, Timestamp now);

}  // namespace rsolv::domain
