#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rsolv::http {

struct CaseInsensitiveLess {
    bool operator()(const std::string& a, const std::string& b) const;
};

/// A request as the handlers see it: parsed, size-checked, with the client address already decided.
struct Request {
    std::string method;
    std::string path;
    std::string query;  ///< raw query string, without '?'
    std::map<std::string, std::string, CaseInsensitiveLess> headers;
    std::map<std::string, std::string> cookies;
    std::string body;
    std::string peer_ip;    ///< the socket's peer
    std::string client_ip;  ///< peer, or the right-most untrusted X-Forwarded-For entry behind a trusted proxy
    std::string request_id;
    std::map<std::string, std::string> path_params;
    /// When the request arrived (it is built as the first thing the dispatcher does), for durations in metrics.
    std::chrono::steady_clock::time_point received = std::chrono::steady_clock::now();

    std::string header(const std::string& name) const;
    std::optional<std::string> cookie(const std::string& name) const;
    /// The Content-Type without parameters, lowercased ("application/x-www-form-urlencoded").
    std::string mediaType() const;
    /// application/x-www-form-urlencoded fields of the body; the first value of a repeated field wins.
    std::map<std::string, std::string> form() const;
    std::map<std::string, std::string> queryParams() const;
};

/// The value of a form or query field, or "" when absent.
std::string fieldOf(const std::map<std::string, std::string>& fields, const std::string& name);
/// Parses "a=1&b=%20x" into fields; '+' is a space.
std::map<std::string, std::string> parseUrlEncoded(std::string_view text);
/// Parses a Cookie header ("a=1; b=2").
std::map<std::string, std::string> parseCookieHeader(std::string_view header);

}  // namespace rsolv::http
