#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace rsolv::http {

/// An IPv4 or IPv6 network ("10.0.0.0/8", "::1/128"; a bare address is a /32 or /128).
class Cidr {
public:
    static Result<Cidr> parse(std::string_view text);
    bool contains(std::string_view address) const;
    const std::string& text() const { return text_; }

private:
    std::string text_;
    std::string network_;  ///< raw address bytes (4 or 16)
    int prefix_ = 0;
};

/// The client's address: the socket peer, unless the peer is a trusted proxy; then the right-most X-Forwarded-For
/// entry that is not itself a trusted proxy. A peer that is not trusted cannot make us believe anything else.
std::string clientIp(const std::string& peer, std::string_view x_forwarded_for, const std::vector<Cidr>& trusted);

}  // namespace rsolv::http
