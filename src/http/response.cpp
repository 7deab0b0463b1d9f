#include "http/response.h"

#include <strings.h>

namespace rsolv::http {

std::string Cookie::toHeader() const {
    std::string h = name + "=" + value + "; Path=" + path;
    if (max_age_seconds) h += "; Max-Age=" + std::to_string(*max_age_seconds);
    if (http_only) h += "; HttpOnly";
    if (secure) h += "; Secure";
    if (!same_site.empty()) h += "; SameSite=" + same_site;
    return h;
}

bool Response::hasHeader(const std::string& name) const { return findHeader(name).has_value(); }

std::optional<std::string> Response::findHeader(const std::string& name) const {
    for (const auto& [k, v] : headers)
        if (strcasecmp(k.c_str(), name.c_str()) == 0) return v;
    return std::nullopt;
}

Response Response::html(std::string body, int status) {
    Response r;
    r.status = status;
    r.body = std::move(body);
    return r;
}

Response Response::json(std::string body, int status) {
    Response r;
    r.status = status;
    r.content_type = "application/json";
    r.body = std::move(body);
    return r;
}

Response Response::text(std::string body, int status) {
    Response r;
    r.status = status;
    r.content_type = "text/plain; charset=utf-8";
    r.body = std::move(body);
    return r;
}

Response Response::redirect(const std::string& location, int status) {
    Response r;
    r.status = status;
    r.content_type = "text/plain; charset=utf-8";
    r.header("Location", location);
    return r;
}

}  // namespace rsolv::http
