#pragma once

#include <string>

#include "common/clock.h"
#include "storage/database.h"

namespace rsolv::domain {

/// Bot signups without a third party (issue 9): every signup and login form carries a honeypot field, which people
/// never see, and its render time signed under a server subkey. A form sent back sooner than a person fills it, or
/// with the honeypot filled, is refused calmly and shown again; a person's second press passes.

/// The honeypot field's name: a plausible field a form-filling bot completes.
inline constexpr const char* kHoneypotField = "website";
/// The signed render time's field.
inline constexpr const char* kFormStampField = "form_ts";

/// "<unix seconds>.<HMAC>" of `now`.
std::string formStamp(const std::string& key32, Timestamp now);

enum class FormVerdict { Human, TooFast, Honeypot };

/// `min_fill_seconds` 0 turns the timing check off (load tests); the honeypot is checked in any case. A missing or
/// forged stamp counts as too fast.
FormVerdict judgeForm(const std::string& key32, const std::string& stamp, const std::string& honeypot, Timestamp now,
                      int min_fill_seconds);

/// Records a refused form as a `bot_suspected` rejection (`form`: "signup" or "login").
void recordBotSuspected(storage::Transaction& tx, const std::string& form, FormVerdict verdict, const std::string& ip,
                        Timestamp now);

}  // namespace rsolv::domain
