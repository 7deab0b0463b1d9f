#include "domain/client_network.h"

#include <arpa/inet.h>

#include <algorithm>

namespace rsolv::domain {
namespace {

constexpr unsigned char kMappedPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

std::string textOf(int family, const unsigned char* bytes) {
    char out[INET6_ADDRSTRLEN] = {};
    inet_ntop(family, bytes, out, sizeof out);
    return out;
}

}  // namespace

std::string clientNetwork(std::string_view address, int ipv6_prefix) {
    std::string s(address);
    if (s.size() > 2 && s.front() == '[' && s.back() == ']') s = s.substr(1, s.size() - 2);
    unsigned char bytes[16] = {};
    if (inet_pton(AF_INET, s.c_str(), bytes) == 1) return textOf(AF_INET, bytes);
    if (inet_pton(AF_INET6, s.c_str(), bytes) != 1) return std::string(address);
    if (std::equal(kMappedPrefix, kMappedPrefix + 12, bytes)) return textOf(AF_INET, bytes + 12);
    const int prefix = std::clamp(ipv6_prefix, 1, 128);
    for (int bit = prefix; bit < 128; ++bit) bytes[bit / 8] &= static_cast<unsigned char>(~(0x80u >> (bit % 8)));
    return textOf(AF_INET6, bytes) + "/" + std::to_string(prefix);
}

}  // namespace rsolv::domain
