#include "http/admin_session.h"
#include "http/dispatcher.h"

#include <Poco/Exception.h>
#include <Poco/URI.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "common/crypto.h"
#include "common/logging.h"
#include "domain/api_key.h"
#include "http/admin_session.h"
#include "http/http_error.h"
#include "http/web_session.h"

namespace rsolv::http {
namespace {

bool hasBody(const std::string& method) {
    return method == "POST" || method == "PUT" || method == "PATCH" || method == "DELETE";
}

bool isApiPath(const std::string& path) { return path.rfind("/api/", 0) == 0; }

/// Status 0: no answer yet, the call goes on (read the body, then run the handler).
Response proceed() {
    Response r;
    r.status = 0;
    return r;
}

std::string_view firstSegment(std::string_view path) {
    if (path.empty() || path.front() != '/') return {};
    const auto end = path.find('/', 1);
    return path.substr(1, end == std::string_view::npos ? std::string_view::npos : end - 1);
}

/// The error page's layout fields: the customer's own header when a live session asks (never under /admin, never
/// when the database is what failed), and the request id to quote.
ViewData errorPageData(const Context& ctx, const Request& request, Response& out, const ErrorReply& e) {
    std::optional<SignedIn> who;
    if (e.status >= 400 && e.status != 503 && !isAdminPath(request.path)) {
        try {
            who = currentSignedIn(ctx, request);
        } catch (const std::exception&) {
            who.reset();  // the page is shown signed out rather than not at all
        }
    }
    ViewData d;
    if (who) {
        d = pageData(ctx, request, out, reasonPhrase(e.status), who);
    } else {
        d.set("title", reasonPhrase(e.status));
        d.set("signed_in", false);
    }
    d.set("heading", reasonPhrase(e.status));
    d.set("message", e.message);
    d.set("request_id", request.request_id);
    d.set("error_page", true);
    return d;
}

Response errorResponse(const Context& ctx, const Request& request, const ErrorReply& e, bool api) {
    Response out;
    if (api) {
        out = Response::json(apiErrorBody(e.code, e.message, request.request_id), e.status);
    } else {
        out.status = e.status;
        ViewData d = errorPageData(ctx, request, out, e);
        out.body = ctx.views.page("error", d);
    }
    for (const auto& [k, v] : e.headers) out.header(k, v);
    return out;
}

}  // namespace

Call Dispatcher::begin(const std::string& peer_ip) const {
    Call call;
    call.request.request_id = crypto::hex(crypto::randomBytes(8));
    call.request.peer_ip = peer_ip;
    call.request.client_ip = peer_ip;
    return call;
}

std::optional<Response> Dispatcher::route(Call& call, RequestHead head) const {
    logging::RequestScope scope(call.request.request_id);
    Request& request = call.request;
    request.method = std::move(head.method);
    std::optional<Response> early;
    Response answer = guarded(call, [&]() -> Response {
        try {
            const Poco::URI uri(head.target);
            request.path = uri.getPath();
            request.query = uri.getRawQuery();
        } catch (const Poco::Exception&) {
            throw HttpError(400, "bad_request", "The request URL is malformed.");
        }
        for (auto& [k, v] : head.fields) request.headers.emplace(std::move(k), std::move(v));
        request.cookies = parseCookieHeader(request.header("Cookie"));
        request.client_ip = clientIp(request.peer_ip, request.header("X-Forwarded-For"), ctx_.web.trusted_proxies);
        // RSOLV_ADMIN_ALLOWED_CIDRS answers before routing, CSRF, media type or method: 404 as for any unknown address.
        if (isAdminPath(request.path)) requireAllowedNetwork(ctx_, request);

        auto match = router_.match(request.method, request.path);
        if (!match.route) {
            if (!match.allowed_methods.empty()) {
                std::string allow;
                for (const auto& m : match.allowed_methods) allow += (allow.empty() ? "" : ", ") + m;
                throw HttpError(405, "method_not_allowed", "This address does not accept " + request.method + ".")
                    .header("Allow", allow);
            }
            throw HttpError(404, "not_found", "There is nothing at this address.");
        }
        call.route = match.route;
        request.path_params = std::move(match.params);
        if (call.route->kind == RouteKind::Api) request.cookies.clear();  // the API authenticates by key alone
        const bool body_follows = (head.content_length && *head.content_length > 0) || head.chunked;
        if (!hasBody(request.method) || !body_follows) return proceed();
        const auto limit = ctx_.web.max_body_bytes;
        if (head.content_length && *head.content_length > limit)
            throw HttpError(413, "payload_too_large",
                            "The request body is larger than " + std::to_string(limit) + " bytes.");
        const auto& accepts = call.route->accepts;
        if (!accepts.empty() && std::find(accepts.begin(), accepts.end(), request.mediaType()) == accepts.end())
            throw HttpError(415, "unsupported_media_type", "Send the body as " + accepts.front() + ".");
        return proceed();
    });
    if (answer.status == 0) return std::nullopt;  // read the body (if any), then handle
    return answer;
}

Response Dispatcher::handle(Call& call) const {
    logging::RequestScope scope(call.request.request_id);
    return guarded(call, [&] {
        if (call.route->kind == RouteKind::Form) checkCsrf(call.request);
        return call.route->handler(call.request);
    });
}

Response Dispatcher::refuse(Call& call, int status, const std::string& code, const std::string& message,
                            std::vector<std::pair<std::string, std::string>> headers) const {
    logging::RequestScope scope(call.request.request_id);
    // The engine's own refusals are expected: the access log line is all they need.
    return render(call, ErrorReply{status, code, message, false, std::move(headers)});
}

Response Dispatcher::guarded(Call& call, const std::function<Response()>& step) const {
    const Request& request = call.request;
    try {
        return step();
    } catch (...) {
        const ErrorReply e = errorReplyFor(std::current_exception());
        if (e.log_as_error) {
            try {
                std::rethrow_exception(std::current_exception());
            } catch (const std::exception& ex) {
                spdlog::error("{} {} failed: {}", request.method, loggedPath(call), ex.what());
            } catch (...) {
                spdlog::error("{} {} failed with a non-standard exception", request.method, loggedPath(call));
            }
        }
        return render(call, e);
    }
}

Response Dispatcher::render(const Call& call, const ErrorReply& e) const {
    const Request& request = call.request;
    const bool api = (call.route && call.route->kind == RouteKind::Api) || (!call.route && isApiPath(request.path));
    try {
        return errorResponse(ctx_, request, e, api);
    } catch (const std::exception& ex) {
        spdlog::error("could not render the error page: {}", ex.what());
        Response r =
            Response::text(std::string(reasonPhrase(e.status)) + " (request " + request.request_id + ")", e.status);
        for (const auto& [k, v] : e.headers) r.header(k, v);
        return r;
    }
}

void Dispatcher::checkCsrf(const Request& request) const {
    if (!ctx_.csrf.sameOrigin(request))
        throw HttpError(403, "cross_site_request", "This form was sent from another site, so it was refused.");
    const auto fields = request.form();
    const auto it = fields.find("csrf_token");
    const std::string binding = csrfBinding(ctx_, request, nullptr);
    if (it == fields.end() || !ctx_.csrf.verify(binding, it->second)) {
        // A dashboard form from a page whose session has ended since: sign in again and come back, not a bare 403.
        if (request.path.rfind("/dashboard/", 0) == 0 && !currentSignedIn(ctx_, request))
            throw sessionEnded(ctx_, request);
        throw HttpError(403, "csrf_token_invalid",
                        "This form has expired or was not sent from our site. Please go back, reload the page and "
                        "try again.");
    }
}

void Dispatcher::finish(const Call& call, Response& response) const {
    applySecurityHeaders(response, ctx_.web.secure_cookies);
    if (!response.hasHeader("Cache-Control"))
        response.header("Cache-Control",
                        call.route && call.route->kind == RouteKind::Static ? "public, max-age=3600" : "no-store");
    response.header("X-Request-Id", call.request.request_id);
}

/// The route's pattern when one matched (no ids or tokens). Otherwise the first segment of the path, kept only when
/// some route begins with it, and the rest masked: an unmatched path may still carry a token (/signin/<token>/).
std::string Dispatcher::loggedPath(const Call& call) const {
    if (call.route) return call.route->pattern;
    const std::string& path = call.request.path;
    if (path.empty()) return "-";
    if (path == "/") return "/";
    const std::string_view first = firstSegment(path);
    const bool known = !first.empty() && std::any_of(router_.routes().begin(), router_.routes().end(),
                                                     [&](const Route& r) { return firstSegment(r.pattern) == first; });
    if (!known) return "/***";
    const std::string shown = "/" + std::string(first);
    return shown.size() == path.size() ? shown : shown + "/***";
}

void Dispatcher::logFinished(const Call& call, int status, size_t bytes) const {
    logging::RequestScope scope(call.request.request_id);
    const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() -
                                                                              call.started)
                            .count();
    spdlog::info("{} {} {} {}B {:.1f}ms ip={}", call.request.method.empty() ? "-" : call.request.method,
                 loggedPath(call), status, bytes, double(micros) / 1000.0,
                 call.request.client_ip);
    ctx_.telemetry->requestFinished(call.request.method.empty() ? "-" : call.request.method,
                                    call.route ? call.route->pattern : "unmatched", status, double(micros) / 1e6);
}

void applySecurityHeaders(Response& r, bool https) {
    r.header("Content-Security-Policy",
             "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
             "form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
    r.header("X-Content-Type-Options", "nosniff");
    r.header("X-Frame-Options", "DENY");
    // same-origin, not no-referrer: with no-referrer browsers send "Origin: null" on our own form posts.
    r.header("Referrer-Policy", "same-origin");
    r.header("Cross-Origin-Opener-Policy", "same-origin");
    r.header("Permissions-Policy", "camera=(), microphone=(), geolocation=(), interest-cohort=()");
    if (https) r.header("Strict-Transport-Security", "max-age=31536000; includeSubDomains");
}

}  // namespace rsolv::http
