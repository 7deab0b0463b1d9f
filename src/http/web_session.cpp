#include "http/web_session.h"

#include "common/crypto.h"

namespace rsolv::http {

std::string sessionCookieName(const WebSettings& web) {
    return web.secure_cookies ? "__Host-rsolv_session" : "rsolv_session";
}

std::string preSessionCookieName(const WebSettings& web) {
    return web.secure_cookies ? "__Host-rsolv_pre" : "rsolv_pre";
}

Cookie sessionCookie(const WebSettings& web, const std::string& token) {
    Cookie c;
    c.name = sessionCookieName(web);
    c.value = token;
    c.secure = web.secure_cookies;
    return c;
}

Cookie expiredSessionCookie(const WebSettings& web) {
    Cookie c = sessionCookie(web, "");
    c.max_age_seconds = 0;
    return c;
}

std::optional<SignedIn> currentSignedIn(const Context& ctx, const Request& request) {
    const auto token = request.cookie(sessionCookieName(ctx.web));
    if (!token || token->empty()) return std::nullopt;
    return storage::inTransaction(ctx.db, storage::TxMode::Write, [&](storage::Transaction& tx) -> std::optional<SignedIn> {
        auto session = domain::resolveSession(tx, *token, ctx.clock.now(), ctx.sessions);
        if (!session) return std::nullopt;
        auto customer = storage::CustomerRepository(tx).findById(session->customer_id);
        if (!customer || customer->status != "active") {
            storage::SessionRepository(tx).remove(session->id_hash);
            return std::nullopt;
        }
        return SignedIn{*session, *customer};
    });
}

std::string csrfBinding(const Context& ctx, const Request& request, Response* response) {
    if (auto s = request.cookie(sessionCookieName(ctx.web)); s && !s->empty()) return *s;
    if (auto p = request.cookie(preSessionCookieName(ctx.web)); p && p->size() >= 32 && p->size() <= 64) return *p;
    if (!response) return {};
    Cookie c;
    c.name = preSessionCookieName(ctx.web);
    c.value = crypto::randomToken(24);
    c.secure = ctx.web.secure_cookies;
    response->cookie(c);
    return c.value;
}

ViewData pageData(const Context& ctx, const Request& request, Response& response, const std::string& title,
                  const std::optional<SignedIn>& who) {
    ViewData d;
    d.set("title", title);
    d.set("request_id", request.request_id);
    d.set("trial_fixes", std::to_string(ctx.web.trial_fixes));
    d.set("csrf_token", ctx.csrf.tokenFor(csrfBinding(ctx, request, &response)));
    if (who) {
        d.set("signed_in", true);
        d.set("signed_in_email", who->customer.email);
    } else {
        d.set("signed_in", false);
    }
    return d;
}

}  // namespace rsolv::http
