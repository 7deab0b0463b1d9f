#include "domain/signup_mode.h"

#include "common/crypto.h"
#include "storage/signup_repository.h"

namespace rsolv::domain {

std::string_view toString(SignupMode mode) {
    switch (mode) {
        case SignupMode::Open: return "open";
        case SignupMode::Invite: return "invite";
        case SignupMode::Closed: return "closed";
    }
    return "open";
}

std::optional<SignupMode> parseSignupMode(std::string_view text) {
    if (text == "open") return SignupMode::Open;
    if (text == "invite") return SignupMode::Invite;
    if (text == "closed") return SignupMode::Closed;
    return std::nullopt;
}

SignupMode SignupModeCache::current(storage::Transaction& tx) {
    const Timestamp now = clock_.now();
    {
        std::lock_guard lock(mutex_);
        if (mode_ && now >= read_at_ && now - read_at_ < ttl_) return *mode_;
    }
    // An unknown value (never written: the column has a CHECK) would read as closed: fail closed.
    const SignupMode mode = parseSignupMode(storage::SignupRepository(tx).mode()).value_or(SignupMode::Closed);
    std::lock_guard lock(mutex_);
    mode_ = mode;
    read_at_ = now;
    return mode;
}

void SignupModeCache::forget() {
    std::lock_guard lock(mutex_);
    mode_.reset();
}

std::string invitationTokenHash(std::string_view token) { return crypto::sha256Hex(token); }

Admission admit(storage::Transaction& tx, SignupMode mode, const EmailAddress& address,
                const std::string& invitation_token, Timestamp now) {
    if (mode == SignupMode::Open) return {true, "open", std::nullopt};
    if (mode == SignupMode::Closed) return {};
    storage::SignupRepository signups(tx);
    if (const auto invited = signups.invitationFor(address.canonical, address.domain))
        return {true, invited->kind, invited->id};
    if (!invitation_token.empty())
        if (const auto link = signups.claimLink(invitationTokenHash(invitation_token), now))
            return {true, "link", *link};
    return {};
}

bool invitationLinkUsable(storage::Transaction& tx, const std::string& token) {
    return !token.empty() && storage::SignupRepository(tx).linkUnused(invitationTokenHash(token));
}

void joinWaitlist(storage::Transaction& tx, const EmailAddress& address, const std::string& name,
                  const std::string& company, Timestamp now) {
    storage::SignupRepository(tx).joinWaitlist(address.as_typed, address.canonical, name, company, now);
}

}  // namespace rsolv::domain
