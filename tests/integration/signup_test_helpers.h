#pragma once
// Small readers shared by the signup integration tests: what a person sees on a page (the message next to a field,
// the value kept in an input) and the headers every response must carry.

#include <gtest/gtest.h>

#include <functional>
#include <regex>
#include <string>
#include <utility>
#include <vector>

#include "storage/database.h"
#include "support/test_app.h"

namespace rsolv::test {

/// The configuration hook every signup test passes to TestApp: fills in the mail sender and support address the way
/// app::loadConfig defaults them (App refuses to start with an empty sender, and TestApp builds its Config without
/// loadConfig), then applies the test's own changes.
inline std::function<void(app::Config&)> signupConfig(std::function<void(app::Config&)> more = {}) {
    return [more = std::move(more)](app::Config& c) {
        if (c.mail_from.empty()) c.mail_from = "RSOLV <no-reply@rsolv.test>";
        if (c.support_email.empty()) c.support_email = "support@rsolv.test";
        if (more) more(c);
    };
}

/// Decodes the entities the page templates produce (&amp; &lt; &gt; &quot; &apos; &#39;).
inline std::string decodeEntities(std::string v) {
    static const std::pair<std::string, std::string> entities[] = {
        {"&quot;", "\""}, {"&apos;", "'"}, {"&#39;", "'"}, {"&lt;", "<"}, {"&gt;", ">"}, {"&amp;", "&"}};
    std::string out;
    out.reserve(v.size());
    for (size_t i = 0; i < v.size();) {
        bool replaced = false;
        if (v[i] == '&')
            for (const auto& [from, to] : entities)
                if (v.compare(i, from.size(), from) == 0) {
                    out += to;
                    i += from.size();
                    replaced = true;
                    break;
                }
        if (!replaced) out += v[i++];
    }
    return out;
}

/// The text of the error shown next to a form field (<p class="field-error" id="FIELD-error">), decoded; empty if none.
inline std::string fieldError(const std::string& html, const std::string& field) {
    const std::regex re("<p class=\"field-error\" id=\"" + field + "-error\">([^<]*)</p>");
    std::smatch m;
    return std::regex_search(html, m, re) ? decodeEntities(m[1]) : std::string();
}

/// The raw (still escaped) value attribute of the input named `name`; empty when absent.
inline std::string rawInputValue(const std::string& html, const std::string& name) {
    const std::regex re("<input[^>]*name=\"" + name + "\"[^>]*value=\"([^\"]*)\"");
    std::smatch m;
    return std::regex_search(html, m, re) ? std::string(m[1]) : std::string();
}

/// The value of the input named `name`, decoded.
inline std::string formValue(const std::string& html, const std::string& name) {
    return decodeEntities(rawInputValue(html, name));
}

/// Asserts the headers that every response must carry (rules.md 9).
inline void expectSecurityHeaders(const HttpResponse& r, const std::string& what) {
    SCOPED_TRACE(what + " (status " + std::to_string(r.status) + ")");
    const std::string csp = r.header("content-security-policy");
    EXPECT_NE(csp.find("frame-ancestors 'none'"), std::string::npos) << "CSP: " << csp;
    EXPECT_NE(csp.find("default-src 'none'"), std::string::npos) << "CSP: " << csp;
    EXPECT_EQ(r.header("x-content-type-options"), "nosniff");
    EXPECT_FALSE(r.header("referrer-policy").empty());
    EXPECT_EQ(r.header("x-frame-options"), "DENY");
    EXPECT_FALSE(r.header("x-request-id").empty());
}

/// Every Set-Cookie header of a response.
inline std::vector<std::string> setCookies(const HttpResponse& r) {
    std::vector<std::string> out;
    auto [a, b] = r.headers.equal_range("set-cookie");
    for (auto it = a; it != b; ++it) out.push_back(it->second);
    return out;
}

inline bool setsCookie(const HttpResponse& r, const std::string& name) {
    for (const auto& c : setCookies(r))
        if (c.rfind(name + "=", 0) == 0) return true;
    return false;
}

/// Row counts of every table a signup writes, for "nothing was created" checks.
struct SignupRowCounts {
    std::int64_t customers, api_keys, sessions, flashes, rate_limit_hits, events;
    bool operator==(const SignupRowCounts&) const = default;
};

inline SignupRowCounts signupRowCounts(TestApp& app) {
    return {app.count("customers"), app.count("api_keys"),        app.count("sessions"),
            app.count("flashes"),   app.count("rate_limit_hits"), app.count("provisioning_events")};
}

inline std::ostream& operator<<(std::ostream& os, const SignupRowCounts& c) {
    return os << "{customers " << c.customers << ", api_keys " << c.api_keys << ", sessions " << c.sessions
              << ", flashes " << c.flashes << ", rate_limit_hits " << c.rate_limit_hits << ", events " << c.events
              << "}";
}

/// "a@x.test"-style distinct, valid addresses: user<i>@<domain>.
inline std::string nthEmail(const std::string& prefix, int i, const std::string& domain = "example.com") {
    return prefix + std::to_string(i) + "@" + domain;
}

}  // namespace rsolv::test
