#include "http/client_ip.h"

#include <arpa/inet.h>

#include <algorithm>

namespace rsolv::http {
namespace {

/// Raw bytes of an address, IPv4-mapped IPv6 folded to IPv4; empty if it is not an address.
std::string addressBytes(std::string_view text) {
    std::string s(text);
    while (!s.empty() && s.front() == ' ') s.erase(0, 1);
    while (!s.empty() && s.back() == ' ') s.pop_back();
    if (s.size() > 2 && s.front() == '[' && s.back() == ']') s = s.substr(1, s.size() - 2);
    unsigned char buf[16];
    if (inet_pton(AF_INET, s.c_str(), buf) == 1) return std::string(reinterpret_cast<char*>(buf), 4);
    if (inet_pton(AF_INET6, s.c_str(), buf) == 1) {
        static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        if (std::equal(mapped, mapped + 12, buf)) return std::string(reinterpret_cast<char*>(buf + 12), 4);
        return std::string(reinterpret_cast<char*>(buf), 16);
    }
    return {};
}

std::string canonicalText(const std::string& bytes) {
    char out[INET6_ADDRSTRLEN] = {};
    inet_ntop(bytes.size() == 4 ? AF_INET : AF_INET6, bytes.data(), out, sizeof out);
    return out;
}

}  // namespace

Result<Cidr> Cidr::parse(std::string_view text) {
    const auto slash = text.find('/');
    Cidr c;
    c.text_ = std::string(text);
    c.network_ = addressBytes(text.substr(0, slash));
    if (c.network_.empty()) return Error{"invalid", "", "not an IP address: " + std::string(text)};
    const int max = int(c.network_.size() * 8);
    c.prefix_ = max;
    if (slash != std::string_view::npos) {
        const std::string p(text.substr(slash + 1));
        if (p.empty() || p.size() > 3 || !std::all_of(p.begin(), p.end(), ::isdigit) || std::stoi(p) > max)
            return Error{"invalid", "", "bad prefix length in " + std::string(text)};
        c.prefix_ = std::stoi(p);
    }
    return c;
}

bool Cidr::contains(std::string_view address) const {
    const std::string a = addressBytes(address);
    if (a.size() != network_.size()) return false;
    int bits = prefix_;
    for (size_t i = 0; i < a.size() && bits > 0; ++i, bits -= 8) {
        const unsigned char mask = bits >= 8 ? 0xff : static_cast<unsigned char>(0xff << (8 - bits));
        if ((static_cast<unsigned char>(a[i]) & mask) != (static_cast<unsigned char>(network_[i]) & mask)) return false;
    }
    return true;
}

std::string clientIp(const std::string& peer, std::string_view xff, const std::vector<Cidr>& trusted) {
    const auto isTrusted = [&](std::string_view ip) {
        return std::any_of(trusted.begin(), trusted.end(), [&](const Cidr& c) { return c.contains(ip); });
    };
    const std::string peer_bytes = addressBytes(peer);
    const std::string peer_text = peer_bytes.empty() ? peer : canonicalText(peer_bytes);
    if (xff.empty() || !isTrusted(peer_text)) return peer_text;

    std::vector<std::string> hops;
    size_t pos = 0;
    while (pos <= xff.size()) {
        size_t comma = xff.find(',', pos);
        if (comma == std::string_view::npos) comma = xff.size();
        hops.emplace_back(xff.substr(pos, comma - pos));
        pos = comma + 1;
    }
    std::string leftmost;
    for (auto it = hops.rbegin(); it != hops.rend(); ++it) {
        const std::string bytes = addressBytes(*it);
        if (bytes.empty()) return peer_text;  // garbage in the chain: believe only what we saw
        leftmost = canonicalText(bytes);
        if (!isTrusted(leftmost)) return leftmost;
    }
    return leftmost.empty() ? peer_text : leftmost;
}

}  // namespace rsolv::http
