#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace rsolv::http {

struct Cookie {
    std::string name;
    std::string value;
    std::optional<long> max_age_seconds;  ///< none: a browser-session cookie; 0: delete
    bool http_only = true;
    bool secure = false;
    std::string same_site = "Lax";
    std::string path = "/";
    std::string toHeader() const;
};

/// What a handler returns; the dispatcher adds the security headers and writes it out.
struct Response {
    int status = 200;
    std::string content_type = "text/html; charset=utf-8";
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;

    Response& header(std::string name, std::string value) {
        headers.emplace_back(std::move(name), std::move(value));
        return *this;
    }
    Response& cookie(const Cookie& c) { return header("Set-Cookie", c.toHeader()); }
    bool hasHeader(const std::string& name) const;
    std::optional<std::string> findHeader(const std::string& name) const;

    static Response html(std::string body, int status = 200);
    static Response json(std::string body, int status = 200);
    static Response text(std::string body, int status = 200);
    /// 303 See Other: the browser follows with a GET (post-redirect-get).
    static Response redirect(const std::string& location, int status = 303);
};

}  // namespace rsolv::http
