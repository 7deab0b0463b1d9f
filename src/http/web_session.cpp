#include "http/web_session.h"

#include "common/crypto.h"
#include "common/text.h"
#include "http/admin_session.h"
#include "http/http_error.h"

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
    return storage::inTransaction(ctx.db, storage::TxMode::Write, [&](storage::Transaction& tx) {
        return domain::signedInCustomer(tx, *token, ctx.clock.now(), ctx.sessions);
    });
}

std::string csrfBinding(const Context& ctx, const Request& request, Response* response) {
    // Under /admin the operator's session is the binding, never a customer's: a customer's token opens no admin form.
    if (isAdminPath(request.path)) {
        if (auto s = request.cookie(operatorCookieName(ctx.web)); s && !s->empty()) return "admin:" + *s;
    } else if (auto s = request.cookie(sessionCookieName(ctx.web)); s && !s->empty()) {
        return *s;
    }
    if (auto p = request.cookie(preSessionCookieName(ctx.web)); p && p->size() >= 32 && p->size() <= 64) return *p;
    if (!response) return {};
    Cookie c;
    c.name = preSessionCookieName(ctx.web);
    c.value = crypto::randomToken(24);
    c.secure = ctx.web.secure_cookies;
    response->cookie(c);
    return c.value;
}

HttpError sessionEnded(const Context& ctx, const Request& request) {
    std::string page = "/dashboard";
    const std::string referer = request.header("Referer");
    const std::string& origin = ctx.web.public_url;
    if (referer.size() > origin.size() && referer.compare(0, origin.size(), origin) == 0 && referer[origin.size()] == '/')
        page = domain::safeReturnTo(referer.substr(origin.size()));
    return HttpError(303, "session_ended", "Your session ended. Please sign in again.")
        .header("Location", ctx.web.public_url + "/login?notice=session_ended&return_to=" + urlEncode(page));
}

SignedIn requireSignedIn(const Context& ctx, const Request& request) {
    if (auto who = currentSignedIn(ctx, request)) return *who;
    if (request.method == "POST") throw sessionEnded(ctx, request);
    std::string back = request.path;
    if (!request.query.empty()) back += "?" + request.query;
    throw HttpError(303, "sign_in_required", "Please sign in to see this page.")
        .header("Location", ctx.web.public_url + "/login?return_to=" + urlEncode(domain::safeReturnTo(back)));
}

namespace {
constexpr auto kFlashTtl = std::chrono::minutes(15);
constexpr const char* kNoticeFlash = "notice";
}  // namespace

void setNotice(const Context& ctx, storage::Transaction& tx, const std::string& session_hash, const std::string& text) {
    setSecretFlash(ctx, tx, session_hash, kNoticeFlash, text);
}

void setSecretFlash(const Context& ctx, storage::Transaction& tx, const std::string& session_hash,
                    const std::string& kind, const std::string& secret) {
    domain::putSecretFlash(tx, ctx.web.flash_key, session_hash, kind, secret, ctx.clock.now() + kFlashTtl);
}

std::optional<std::string> takeSecretFlash(const Context& ctx, storage::Transaction& tx,
                                           const std::string& session_hash, const std::string& kind) {
    return domain::takeSecretFlash(tx, ctx.web.flash_key, session_hash, kind, ctx.clock.now());
}

ViewData pageData(const Context& ctx, const Request& request, Response& response, const std::string& title,
                  const std::optional<SignedIn>& who) {
    ViewData d;
    d.set("title", title);
    d.set("request_id", request.request_id);
    // The request id is for quoting when something went wrong: shown on every page answered with an error status.
    d.set("error_page", response.status >= 400);
    d.set("trial_fixes", std::to_string(ctx.web.trial_fixes));
    d.set("csrf_token", ctx.csrf.tokenFor(csrfBinding(ctx, request, &response)));
    if (who) {
        d.set("signed_in", true);
        d.set("signed_in_email", who->customer.email);
        const auto notice = storage::inTransaction(ctx.db, storage::TxMode::Write, [&](storage::Transaction& tx) {
            return takeSecretFlash(ctx, tx, who->session.id_hash, kNoticeFlash);
        });
        if (notice) d.set("notice", *notice);
    } else {
        d.set("signed_in", false);
    }
    return d;
}

}  // namespace rsolv::http
