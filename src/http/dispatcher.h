#pragma once

#include <chrono>
#include <cstdint>
#include <exception>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "http/context.h"
#include "http/http_error.h"
#include "http/router.h"

namespace rsolv::http {

/// One request on its way through the engine: what the handlers see, the route it matched, and when it began.
struct Call {
    Request request;
    const Route* route = nullptr;
    std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
    /// The connection must close after the answer (a body left unread, a framing error, shutdown).
    bool close_after = false;
};

/// The head of a request as the engine read it, before its body.
struct RequestHead {
    std::string method;
    std::string target;  ///< "/path?query" as sent
    std::vector<std::pair<std::string, std::string>> fields;
    std::optional<std::uint64_t> content_length;
    bool chunked = false;
};

/// Everything between the bytes and the handlers, independent of the engine that moves the bytes: the request id, the
/// client address, routing (404/405), the body limit (413) and media type (415) decided from the head before any body
/// is read, the CSRF check, the single catch-all with its error table, the security and cache headers, and the ONE
/// place a finished request is logged.
class Dispatcher {
public:
    Dispatcher(const Context& ctx, const Router& router) : ctx_(ctx), router_(router) {}

    /// A new call from a peer, with its request id.
    Call begin(const std::string& peer_ip) const;
    /// Fills the request from its head and routes it. An answer when the head alone settles it (400, 404, 405, 413,
    /// 415); none when the body (if any) should be read and the call handled.
    std::optional<Response> route(Call& call, RequestHead head) const;
    /// Runs the route's handler (after the CSRF check for forms), on a handler thread.
    Response handle(Call& call) const;
    /// An answer the engine gives on its own (400 bad framing, 408, 413 for a chunked body, 431, 503, 505).
    Response refuse(Call& call, int status, const std::string& code, const std::string& message,
                    std::vector<std::pair<std::string, std::string>> headers = {}) const;
    /// Adds the headers every answer carries: security headers, Cache-Control default, X-Request-Id.
    void finish(const Call& call, Response& response) const;
    /// THE place a finished call is logged (the access log): route pattern (never a raw path), method, status,
    /// duration, body bytes.
    void logFinished(const Call& call, int status, size_t bytes) const;
    size_t maxBodyBytes() const { return ctx_.web.max_body_bytes; }

private:
    /// The single catch-all: runs one step of a call and turns any exception into its answer (the error table).
    Response guarded(Call& call, const std::function<Response()>& step) const;
    /// The error page (HTML, or the API's JSON body) of an error reply.
    Response render(const Call& call, const ErrorReply& reply) const;
    std::string loggedPath(const Call& call) const;
    void checkCsrf(const Request& request) const;

    const Context& ctx_;
    const Router& router_;
};

/// Security headers for every response, error pages included (rules.md #9).
void applySecurityHeaders(Response& response, bool https);

}  // namespace rsolv::http
