#include "domain/form_guard.h"

#include <charconv>

#include "common/crypto.h"
#include "domain/events.h"

namespace rsolv::domain {
std::string formStamp(const std::string& key32, Timestamp now) {
    const std::string seconds = std::to_string(unixSeconds(now));
    return seconds + "." + crypto::mac(key32, "form-rendered:" + seconds);
}

FormVerdict judgeForm(const std::string& key32, const std::string& stamp, const std::string& honeypot, Timestamp now,
                      int min_fill_seconds) {
    if (!honeypot.empty()) return FormVerdict::Honeypot;
    if (min_fill_seconds <= 0) return FormVerdict::Human;
    const auto dot = stamp.find('.');
    if (dot == std::string::npos || dot == 0 || dot > 19) return FormVerdict::TooFast;
    std::int64_t rendered = 0;
    auto [p, ec] = std::from_chars(stamp.data(), stamp.data() + dot, rendered);
    if (ec != std::errc() || p != stamp.data() + dot) return FormVerdict::TooFast;
    if (!crypto::verifyMac(key32, "form-rendered:" + stamp.substr(0, dot), stamp.substr(dot + 1)))
        return FormVerdict::TooFast;
    return unixSeconds(now) - rendered >= min_fill_seconds ? FormVerdict::Human : FormVerdict::TooFast;
}

void recordBotSuspected(storage::Transaction& tx, const std::string& form, FormVerdict verdict, const std::string& ip,
                        Timestamp now) {
    recordEvent(tx, std::nullopt, form == "signup" ? event::kSignupRejected : std::string_view("login_rejected"),
                "rejected",
                {{"reason", "bot_suspected"},
                 {"form", form},
                 {"signal", verdict == FormVerdict::Honeypot ? "honeypot" : "too_fast"},
                 {"ip", ip}},
                now);
}

}  // namespace rsolv::domain
