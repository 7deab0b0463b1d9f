#pragma once

#include <string>
#include <string_view>

#include "http/request.h"

namespace rsolv::http {

/// CSRF protection for browser forms (rules.md #7): a token bound to the browser's session cookie (or, before sign-in,
/// to a random pre-session cookie) by an HMAC under a server subkey, so it needs no storage, changes with every new
/// session, and cannot be forged without the server key; plus an Origin / Sec-Fetch-Site check.
class Csrf {
public:
    Csrf(std::string key32, std::string public_origin);
    std::string tokenFor(std::string_view binding) const;
    bool verify(std::string_view binding, std::string_view token) const;
    /// False when the browser says the request came from another site.
    bool sameOrigin(const Request& request) const;
    const std::string& publicOrigin() const { return origin_; }

private:
    std::string key_;
    std::string origin_;
};

/// "scheme://host[:port]" of a URL.
std::string originOf(std::string_view url);

}  // namespace rsolv::http
