#include <map>

#include "common/crypto.h"
#include "common/text.h"
#include "domain/form_guard.h"
#include "domain/sessions.h"
#include "domain/sign_in.h"
#include "http/handlers/routes.h"
#include "http/http_error.h"
#include "http/web_session.h"

namespace rsolv::http {
namespace {

/// Messages the login page shows after a redirect, chosen by code from this table only (nothing from the URL is shown).
const std::map<std::string, std::string>& loginNotices() {
    static const std::map<std::string, std::string> notices = {
        {"signed_out", "You are signed out."},
        {"signed_out_everywhere", "You are signed out everywhere."},
        {"email_changed", "Your email address is changed. Sign in with the new one."},
        {"session_ended", "Your session ended, so that form was not saved. Sign in again and we bring you back to "
                          "the page you were on."},
    };
    return notices;
}

/// "Check your email" repeats the address and offers to send again after a minute (issue 15). The address rides in
/// a short-lived sealed cookie, never in the URL.
constexpr long kResendAfterSeconds = 60;
constexpr long kSentCookieSeconds = 15 * 60;

std::string sentCookieName(const Context& ctx) { return ctx.web.secure_cookies ? "__Host-rsolv_sent" : "rsolv_sent"; }

Cookie sentCookie(const Context& ctx, const std::string& email, const std::string& return_to) {
    Cookie c;
    c.name = sentCookieName(ctx);
    const auto at = std::chrono::duration_cast<std::chrono::seconds>(ctx.clock.now().time_since_epoch()).count();
    c.value = crypto::seal(ctx.web.flash_key, std::to_string(at) + "\n" + return_to + "\n" + email);
    c.secure = ctx.web.secure_cookies;
    c.max_age_seconds = kSentCookieSeconds;
    return c;
}

struct Sent {
    std::string email;
    std::string return_to;
    Timestamp at;
};

std::optional<Sent> openSentCookie(const Context& ctx, const Request& req) {
    const auto cookie = req.cookie(sentCookieName(ctx));
    if (!cookie) return std::nullopt;
    const auto text = crypto::open(ctx.web.flash_key, *cookie);
    if (!text) return std::nullopt;
    const auto first = text->find('\n');
    const auto second = first == std::string::npos ? first : text->find('\n', first + 1);
    if (second == std::string::npos) return std::nullopt;
    try {
        const Timestamp at{std::chrono::seconds(std::stoll(text->substr(0, first)))};
        if (ctx.clock.now() - at > std::chrono::seconds(kSentCookieSeconds)) return std::nullopt;
        return Sent{text->substr(second + 1), domain::safeReturnTo(text->substr(first + 1, second - first - 1)), at};
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

struct LoginForm {
    std::string return_to;
    std::string email;
    std::optional<Error> error;
    std::string notice;
    bool press_again = false;  ///< sent back too fast (or the honeypot filled): shown again, issue 9
};

Response loginPage(const Context& ctx, Request& req, const LoginForm& form) {
    Response res;
    if (form.error || form.press_again) res.status = 422;
    auto d = pageData(ctx, req, res,
                      form.press_again ? "Please press the button once more"
                                       : form.error ? "Please check your email address" : "Sign in",
                      std::nullopt);
    d.set("form_ts", domain::formStamp(ctx.web.form_key, ctx.clock.now()));
    d.set("press_again", form.press_again);
    d.set("return_to", domain::safeReturnTo(form.return_to));
    d.set("email", form.email.substr(0, 254));
    if (form.error) d.set("email_error", form.error->message);
    if (!form.notice.empty()) d.set("notice", form.notice);
    res.body = ctx.views.page("login", d);
    return res;
}

Response loginForm(const Context& ctx, Request& req) {
    const auto query = req.queryParams();
    LoginForm form;
    form.return_to = domain::safeReturnTo(fieldOf(query, "return_to"));
    // Already signed in: nothing to do here.
    if (currentSignedIn(ctx, req)) return Response::redirect(ctx.web.public_url + form.return_to);
    if (const auto n = query.find("notice"); n != query.end())
        if (const auto text = loginNotices().find(n->second); text != loginNotices().end()) form.notice = text->second;
    return loginPage(ctx, req, form);
}

Response requestLink(const Context& ctx, Request& req) {
    const auto form = req.form();
    const auto verdict = domain::judgeForm(ctx.web.form_key, fieldOf(form, domain::kFormStampField),
                                           fieldOf(form, domain::kHoneypotField), ctx.clock.now(),
                                           ctx.web.form_min_fill_seconds);
    if (verdict != domain::FormVerdict::Human) {
        storage::inTransaction(ctx.db, storage::TxMode::Write, [&](storage::Transaction& tx) {
            domain::recordBotSuspected(tx, "login", verdict, req.client_ip, ctx.clock.now());
        });
        LoginForm again{fieldOf(form, "return_to"), fieldOf(form, "email"), std::nullopt, {}, true};
        return loginPage(ctx, req, again);
    }
    const auto outcome = storage::inTransaction(ctx.db, storage::TxMode::Write, [&](storage::Transaction& tx) {
        return domain::requestSignInLink(tx, fieldOf(form, "email"), fieldOf(form, "return_to"), req.client_ip, ctx.clock.now(),
                                         ctx.sign_in, ctx.limiter);
    });
    if (outcome.ip_limited) {
        const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(outcome.retry_after).count();
        throw HttpError(429, "rate_limited",
                        "We have sent many sign-in links to your network in the last hour. Please try again later.")
            .header("Retry-After", std::to_string(std::max<long>(1, seconds)));
    }
    if (outcome.invalid) return loginPage(ctx, req, {fieldOf(form, "return_to"), fieldOf(form, "email"), outcome.invalid, {}});
    ctx.jobs_enqueued();
    Response res = Response::redirect(ctx.web.public_url + "/login/sent");
    res.cookie(sentCookie(ctx, fieldOf(form, "email").substr(0, 254), domain::safeReturnTo(fieldOf(form, "return_to"))));
    return res;
}

Response linkSent(const Context& ctx, Request& req) {
    Response res;
    auto d = pageData(ctx, req, res, "Check your email", currentSignedIn(ctx, req));
    d.set("minutes", std::to_string(std::chrono::duration_cast<std::chrono::minutes>(ctx.sign_in.link_ttl).count()));
    if (const auto sent = openSentCookie(ctx, req)) {
        const auto waited = std::chrono::duration_cast<std::chrono::seconds>(ctx.clock.now() - sent->at).count();
        d.set("sent_to", sent->email);
        d.set("return_to", sent->return_to);
        d.set("form_ts", domain::formStamp(ctx.web.form_key, ctx.clock.now()));
        d.set("resend_wait", waited < kResendAfterSeconds);
        d.set("resend_in", std::to_string(std::max<long>(0, kResendAfterSeconds - waited)));
    }
    res.body = ctx.views.page("login_sent", d);
    return res;
}

/// The link from an email opens a page with a button: mail scanners that fetch links cannot use the token up.
Response signInPage(const Context& ctx, Request& req) {
    Response res;
    auto d = pageData(ctx, req, res, "Sign in", currentSignedIn(ctx, req));
    d.set("token", req.path_params.at("token"));
    const auto query = req.queryParams();
    d.set("return_to", domain::safeReturnTo(fieldOf(query, "return_to")));
    res.body = ctx.views.page("signin_link", d);
    res.header("Referrer-Policy", "no-referrer");
    return res;
}

Response redeemSignIn(const Context& ctx, Request& req) {
    const std::string previous = req.cookie(sessionCookieName(ctx.web)).value_or("");
    const auto session = storage::inTransaction(ctx.db, storage::TxMode::Write, [&](storage::Transaction& tx) {
        return domain::signInWithLink(tx, req.path_params.at("token"), previous, req.client_ip,
                                      req.header("User-Agent"), ctx.clock.now(), ctx.sessions);
    });
    if (!session) {
        Response res;
        res.status = 410;
        auto d = pageData(ctx, req, res, "This link has expired", currentSignedIn(ctx, req));
        res.body = ctx.views.page("signin_link_invalid", d);
        return res;
    }
    // The first proof of the address: the owner reviews what was made before it (issue 9, pre-hijacking).
    const std::string return_to = domain::safeReturnTo(fieldOf(req.form(), "return_to"));
    Response res = Response::redirect(ctx.web.public_url + (session->first_proof
                                                                ? "/dashboard/review?return_to=" + urlEncode(return_to)
                                                                : return_to));
    res.cookie(sessionCookie(ctx.web, session->session.token));
    return res;
}

Response logout(const Context& ctx, Request& req) {
    if (const auto token = req.cookie(sessionCookieName(ctx.web)); token && !token->empty())
        storage::inTransaction(ctx.db, storage::TxMode::Write,
                               [&](storage::Transaction& tx) { domain::endSession(tx, *token); });
    Response res = Response::redirect(ctx.web.public_url + "/login?notice=signed_out");
    res.cookie(expiredSessionCookie(ctx.web));
    return res;
}

}  // namespace

void addAuthRoutes(Router& router, const Context& ctx) {
    const Context* c = &ctx;
    router.add({"GET", "/login", RouteKind::Page, [c](Request& r) { return loginForm(*c, r); }, {}});
    router.add({"POST", "/login", RouteKind::Form, [c](Request& r) { return requestLink(*c, r); }, {kFormMediaType}});
    router.add({"GET", "/login/sent", RouteKind::Page, [c](Request& r) { return linkSent(*c, r); }, {}});
    router.add({"GET", "/signin/{token}", RouteKind::Page, [c](Request& r) { return signInPage(*c, r); }, {}});
    router.add({"POST", "/signin/{token}", RouteKind::Form, [c](Request& r) { return redeemSignIn(*c, r); },
                {kFormMediaType}});
    router.add({"POST", "/logout", RouteKind::Form, [c](Request& r) { return logout(*c, r); }, {kFormMediaType}});
}

}  // namespace rsolv::http
