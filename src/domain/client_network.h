#pragma once

#include <string>
#include <string_view>

namespace rsolv::domain {

/// The client a per-IP limit counts (RSOLV_IPV6_LIMIT_PREFIX): an IPv4 address is itself; an IPv4-mapped IPv6
/// address (::ffff:a.b.c.d) is the IPv4 address; any other IPv6 address is its network of `ipv6_prefix` leading bits
/// in canonical text ("2001:db8:1:2::/64"), because one subscriber line is handed a whole /64 (or more) and can
/// pick a new address in it for every request. Text that is not an address is returned unchanged.
std::string clientNetwork(std::string_view address, int ipv6_prefix);

}  // namespace rsolv::domain
