#pragma once

#include <string>

#include "storage/database.h"

namespace rsolv::storage {

/// Used proof-of-work challenges (kept until they expire) and the signup rate that switches the challenge on.
class SignupChallengeRepository {
public:
    explicit SignupChallengeRepository(Transaction& tx) : tx_(tx) {}
    /// Records the challenge as used; false when it was used before (the primary key decides, across instances).
    bool markUsed(const std::string& id, Timestamp expires_at, Timestamp now);
    /// Signup attempts (accounts created, duplicates and rejections) recorded since `since`, by every instance.
    std::int64_t signupsSince(Timestamp since);
    int pruneExpired(Timestamp now);

private:
    Transaction& tx_;
};

}  // namespace rsolv::storage
