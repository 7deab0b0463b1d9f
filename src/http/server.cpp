#include "http/server.h"

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/URI.h>
#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>

#include "common/crypto.h"
#include "common/logging.h"
#include "domain/api_key.h"
#include "http/http_error.h"
#include "http/web_session.h"

namespace rsolv::http {
namespace {

constexpr std::streamsize kMaxDrainBytes = 8 * 1024 * 1024;

bool hasBody(const std::string& method) {
    return method == "POST" || method == "PUT" || method == "PATCH" || method == "DELETE";
}

bool isApiPath(const std::string& path) { return path.rfind("/api/", 0) == 0; }

/// What goes into the access log for the path: the route's pattern when one matched (no ids or tokens), else the
/// path cut short with anything key-like masked.
std::string loggedPath(const Route* route, const std::string& path) {
    if (route) return route->pattern;
    std::string p = path.substr(0, 120);
    p = domain::maskApiKeys(p);
    return p;
}

Response errorResponse(const Context& ctx, const Request& request, const ErrorReply& e, bool api) {
    Response out;
    if (api) {
        out = Response::json(apiErrorBody(e.code, e.message, request.request_id), e.status);
    } else {
        ViewData d;
        d.set("title", reasonPhrase(e.status));
        d.set("heading", reasonPhrase(e.status));
        d.set("message", e.message);
        d.set("request_id", request.request_id);
        d.set("signed_in", false);
        out = Response::html(ctx.views.page("error", d), e.status);
    }
    for (const auto& [k, v] : e.headers) out.header(k, v);
    return out;
}

class Dispatcher final : public Poco::Net::HTTPRequestHandler {
public:
    Dispatcher(const Context& ctx, const Router& router) : ctx_(ctx), router_(router) {}

    void handleRequest(Poco::Net::HTTPServerRequest& in, Poco::Net::HTTPServerResponse& out) override {
        const auto started = std::chrono::steady_clock::now();
        Request request;
        request.request_id = crypto::hex(crypto::randomBytes(8));
        logging::RequestScope scope(request.request_id);
        request.method = in.getMethod();
        request.peer_ip = in.clientAddress().host().toString();
        const Route* route = nullptr;
        bool keep_alive = true;
        Response response;
        try {
            try {
                const Poco::URI uri(in.getURI());
                request.path = uri.getPath();
                request.query = uri.getRawQuery();
            } catch (const Poco::Exception&) {
                throw HttpError(400, "bad_request", "The request URL is malformed.");
            }
            for (const auto& [k, v] : in) request.headers.emplace(k, v);
            request.cookies = parseCookieHeader(request.header("Cookie"));
            request.client_ip = clientIp(request.peer_ip, request.header("X-Forwarded-For"), ctx_.web.trusted_proxies);

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
            route = match.route;
            request.path_params = std::move(match.params);
            if (route->kind == RouteKind::Api) request.cookies.clear();  // the API authenticates by key alone
            if (hasBody(request.method)) readBody(in, *route, request, keep_alive);
            if (route->kind == RouteKind::Form) checkCsrf(request);
            response = route->handler(request);
        } catch (...) {
            const ErrorReply e = errorReplyFor(std::current_exception());
            if (e.log_as_error) {
                try {
                    std::rethrow_exception(std::current_exception());
                } catch (const std::exception& ex) {
                    spdlog::error("{} {} failed: {}", request.method, loggedPath(route, request.path), ex.what());
                } catch (...) {
                    spdlog::error("{} {} failed with a non-standard exception", request.method,
                                  loggedPath(route, request.path));
                }
            }
            const bool api = (route && route->kind == RouteKind::Api) || (!route && isApiPath(request.path));
            try {
                response = errorResponse(ctx_, request, e, api);
            } catch (const std::exception& ex) {
                spdlog::error("could not render the error page: {}", ex.what());
                response = Response::text(std::string(reasonPhrase(e.status)) + " (request " + request.request_id + ")",
                                          e.status);
            }
        }
        // A body left unread would be parsed as the next request on this connection: close it instead.
        if (request.body.empty() && (in.getContentLength64() > 0 || in.getChunkedTransferEncoding())) keep_alive = false;
        write(in, out, response, route, keep_alive);
        const auto micros =
            std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started).count();
        spdlog::info("{} {} {} {}B {:.1f}ms ip={}", request.method, loggedPath(route, request.path), response.status,
                     response.body.size(), double(micros) / 1000.0, request.client_ip);
        ctx_.telemetry->requestFinished(request.method, route ? route->pattern : "unmatched", response.status, micros / 1e6);
    }

private:
    void readBody(Poco::Net::HTTPServerRequest& in, const Route& route, Request& request, bool& keep_alive) {
        const auto limit = static_cast<std::streamsize>(ctx_.web.max_body_bytes);
        const auto declared = in.getContentLength64();
        if (declared > limit) {
            keep_alive = false;
            if (declared <= kMaxDrainBytes) drain(in.stream(), declared);
            throw HttpError(413, "payload_too_large",
                            "The request body is larger than " + std::to_string(limit) + " bytes.");
        }
        if (!route.accepts.empty() && (declared > 0 || in.getChunkedTransferEncoding())) {
            const std::string type = request.mediaType();
            if (std::find(route.accepts.begin(), route.accepts.end(), type) == route.accepts.end()) {
                keep_alive = false;
                drain(in.stream(), std::min<std::streamsize>(declared > 0 ? declared : kMaxDrainBytes, kMaxDrainBytes));
                throw HttpError(415, "unsupported_media_type",
                                "Send the body as " + route.accepts.front() + ".");
            }
        }
        std::string body;
        body.resize(static_cast<size_t>(limit) + 1);
        in.stream().read(body.data(), limit + 1);
        body.resize(static_cast<size_t>(in.stream().gcount()));
        if (static_cast<std::streamsize>(body.size()) > limit) {
            keep_alive = false;
            throw HttpError(413, "payload_too_large",
                            "The request body is larger than " + std::to_string(limit) + " bytes.");
        }
        request.body = std::move(body);
    }

    static void drain(std::istream& stream, std::streamsize bytes) {
        char buf[16384];
        while (bytes > 0 && stream.read(buf, std::min<std::streamsize>(sizeof buf, bytes))) bytes -= stream.gcount();
    }

    void checkCsrf(const Request& request) const {
        if (!ctx_.csrf.sameOrigin(request))
            throw HttpError(403, "cross_site_request", "This form was sent from another site, so it was refused.");
        const auto fields = request.form();
        const auto it = fields.find("csrf_token");
        const std::string binding = csrfBinding(ctx_, request, nullptr);
        if (it == fields.end() || !ctx_.csrf.verify(binding, it->second))
            throw HttpError(403, "csrf_token_invalid",
                            "This form has expired or was not sent from our site. Please go back, reload the page and "
                            "try again.");
    }

    void write(Poco::Net::HTTPServerRequest& in, Poco::Net::HTTPServerResponse& out, Response& response,
               const Route* route, bool keep_alive) const {
        applySecurityHeaders(response, ctx_.web.secure_cookies);
        if (!response.hasHeader("Cache-Control"))
            response.header("Cache-Control",
                            route && route->kind == RouteKind::Static ? "public, max-age=3600" : "no-store");
        out.setStatusAndReason(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(response.status),
                               reasonPhrase(response.status));
        out.setContentType(response.content_type);
        for (const auto& [k, v] : response.headers) out.add(k, v);
        out.set("X-Request-Id", logging::currentRequestId().data());
        if (!keep_alive) out.setKeepAlive(false);
        out.setContentLength64(static_cast<Poco::Int64>(response.body.size()));
        auto& stream = out.send();
        if (in.getMethod() != "HEAD") stream.write(response.body.data(), static_cast<std::streamsize>(response.body.size()));
    }

    const Context& ctx_;
    const Router& router_;
};

class Factory final : public Poco::Net::HTTPRequestHandlerFactory {
public:
    Factory(const Context& ctx, const Router& router) : ctx_(ctx), router_(router) {}
    Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest&) override {
        return new Dispatcher(ctx_, router_);
    }

private:
    const Context& ctx_;
    const Router& router_;
};

}  // namespace

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

HttpServer::HttpServer(const Context& ctx, const Router& router, const ServerOptions& options) {
    pool_ = std::make_unique<Poco::ThreadPool>(std::min(4, options.threads), options.threads, 60);
    auto* params = new Poco::Net::HTTPServerParams;
    params->setMaxThreads(options.threads);
    params->setMaxQueued(options.max_queued);
    params->setKeepAlive(true);
    params->setKeepAliveTimeout(Poco::Timespan(options.keep_alive_seconds, 0));
    params->setMaxKeepAliveRequests(1000);
    params->setTimeout(Poco::Timespan(options.receive_timeout_seconds, 0));
    Poco::Net::ServerSocket socket(Poco::Net::SocketAddress(options.host, options.port), 1024);
    server_ = std::make_unique<Poco::Net::HTTPServer>(new Factory(ctx, router), *pool_, socket, params);
}

HttpServer::~HttpServer() { stop(); }

void HttpServer::start() { server_->start(); }

void HttpServer::stop() {
    if (server_) {
        server_->stopAll(true);
        server_.reset();
    }
    if (pool_) pool_->joinAll();
}

unsigned short HttpServer::port() const { return server_->socket().address().port(); }

int HttpServer::refusedConnections() const { return server_->refusedConnections(); }

}  // namespace rsolv::http
