#include "http/csrf.h"

#include "common/crypto.h"

namespace rsolv::http {

std::string originOf(std::string_view url) {
    const auto scheme = url.find("://");
    if (scheme == std::string_view::npos) return std::string(url);
    const auto path = url.find('/', scheme + 3);
    return std::string(url.substr(0, path));
}

Csrf::Csrf(std::string key32, std::string public_origin) : key_(std::move(key32)), origin_(originOf(public_origin)) {}

std::string Csrf::tokenFor(std::string_view binding) const { return crypto::mac(key_, "csrf:" + std::string(binding)); }

bool Csrf::verify(std::string_view binding, std::string_view token) const {
    if (binding.empty() || token.empty() || token.size() > 200) return false;
    return crypto::verifyMac(key_, "csrf:" + std::string(binding), token);
}

bool Csrf::sameOrigin(const Request& request) const {
    const std::string origin = request.header("Origin");
    if (!origin.empty()) return origin == origin_;
    const std::string site = request.header("Sec-Fetch-Site");
    if (!site.empty()) return site == "same-origin" || site == "none";
    // Neither header (an old browser or a script): the token alone decides, as OWASP allows.
    return true;
}

}  // namespace rsolv::http
