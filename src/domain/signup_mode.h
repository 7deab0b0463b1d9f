#pragma once

#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "domain/email_address.h"
#include "storage/database.h"

namespace rsolv::domain {

/// The RFC's rollout: `open` (anyone signs up), `invite` (invited addresses and domains, and holders of an invitation
/// link; everyone else joins the waitlist), `closed` (everyone joins the waitlist).
enum class SignupMode { Open, Invite, Closed };
std::string_view toString(SignupMode mode);
std::optional<SignupMode> parseSignupMode(std::string_view text);

/// The mode lives in the database, so one change reaches every instance; each instance reads it at most once per
/// `ttl` (a change made elsewhere is seen within that time; one made through this instance at once, see forget()).
class SignupModeCache {
public:
    explicit SignupModeCache(const Clock& clock, Duration ttl = std::chrono::seconds(2)) : clock_(clock), ttl_(ttl) {}
    /// Reads the row in `tx` when the cached value is older than the ttl.
    SignupMode current(storage::Transaction& tx);
    /// The next current() reads the database (after this instance changed the mode).
    void forget();

private:
    const Clock& clock_;
    Duration ttl_;
    std::mutex mutex_;
    std::optional<SignupMode> mode_;
    Timestamp read_at_{};
};

/// Why a signup may go on: what let it in, and the invitation to mark used once the customer exists.
struct Admission {
    bool admitted = false;
    std::string via;  ///< "open", "email", "domain" or "link"
    std::optional<std::int64_t> invitation_id;
};

/// Decides, in the signup's transaction, whether `address` may sign up in `mode`. A link invitation (its token as
/// typed in the form) is taken here, once: a concurrent second use of the same link finds it gone.
Admission admit(storage::Transaction& tx, SignupMode mode, const EmailAddress& address,
                const std::string& invitation_token, Timestamp now);

/// Whether an invitation link's token would still let a signup in.
bool invitationLinkUsable(storage::Transaction& tx, const std::string& token);

/// Adds the address to the waitlist; a second join of the same address changes nothing.
void joinWaitlist(storage::Transaction& tx, const EmailAddress& address, const std::string& name,
                  const std::string& company, Timestamp now);

/// The SHA-256 kept of an invitation link's token.
std::string invitationTokenHash(std::string_view token);

}  // namespace rsolv::domain
