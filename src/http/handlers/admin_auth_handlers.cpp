// The console's sign-in: /admin/login emails a 10-minute single-use link (through the job queue, as for customers),
// /admin/signin/{token} shows a button whose POST starts a fresh operator session.
#include "domain/admin/operators.h"
#include "http/admin_session.h"
#include "http/handlers/admin_routes.h"
#include "http/handlers/routes.h"
#include "http/http_error.h"

namespace rsolv::http {
namespace {

Response loginPage(const Context& ctx, Request& req) {
    requireAllowedNetwork(ctx, req);
    if (currentOperator(ctx, req)) return Response::redirect(ctx.web.public_url + "/admin");
    Response res;
    auto d = adminPageData(ctx, req, res, "Operator sign-in", std::nullopt, AdminSection::None);
    if (fieldOf(req.queryParams(), "notice") == "signed_out") d.set("notice", "You are signed out of the console.");
    res.body = ctx.views.page("admin/login", d);
    return res;
}

Response requestLink(const Context& ctx, Request& req) {
    requireAllowedNetwork(ctx, req);
    const auto form = req.form();
    const bool admitted = storage::inTransaction(ctx.db, storage::TxMode::Write, [&](storage::Transaction& tx) {
        return domain::admin::requestOperatorLink(tx, fieldOf(form, "email"), req.client_ip, ctx.clock.now(),
                                                  ctx.web.operators, ctx.limiter);
    });
    if (!admitted)
        throw HttpError(429, "rate_limited", "Too many sign-in links were asked for from your network. Try later.")
            .header("Retry-After", "3600");
    ctx.jobs_enqueued();
    return Response::redirect(ctx.web.public_url + "/admin/login/sent");
}

Response linkSent(const Context& ctx, Request& req) {
    requireAllowedNetwork(ctx, req);
    Response res;
    auto d = adminPageData(ctx, req, res, "Check your email", std::nullopt, AdminSection::None);
    d.set("minutes",
          std::to_string(std::chrono::duration_cast<std::chrono::minutes>(ctx.web.operators.link_ttl).count()));
    res.body = ctx.views.page("admin/login_sent", d);
    return res;
}

Response signInPage(const Context& ctx, Request& req) {
    requireAllowedNetwork(ctx, req);
    Response res;
    auto d = adminPageData(ctx, req, res, "Operator sign-in", std::nullopt, AdminSection::None);
    d.set("token", req.path_params.at("token"));
    res.body = ctx.views.page("admin/signin", d);
    res.header("Referrer-Policy", "no-referrer");
    return res;
}

Response redeem(const Context& ctx, Request& req) {
    requireAllowedNetwork(ctx, req);
    const std::string previous = req.cookie(operatorCookieName(ctx.web)).value_or("");
    const auto session = storage::inTransaction(ctx.db, storage::TxMode::Write, [&](storage::Transaction& tx) {
        return domain::admin::signInOperator(tx, req.path_params.at("token"), previous, req.client_ip,
                                             req.header("User-Agent"), ctx.clock.now(), ctx.web.operators);
    });
    if (!session)
        throw HttpError(410, "link_expired",
                        "This sign-in link was used already, has expired, or its operator is disabled. Ask for a new "
                        "one at /admin/login.");
    Response res = Response::redirect(ctx.web.public_url + "/admin");
    res.cookie(operatorCookie(ctx.web, session->token));
    return res;
}

Response logout(const Context& ctx, Request& req) {
    requireAllowedNetwork(ctx, req);
    if (const auto token = req.cookie(operatorCookieName(ctx.web)); token && !token->empty())
        storage::inTransaction(ctx.db, storage::TxMode::Write,
                               [&](storage::Transaction& tx) { domain::admin::endOperatorSession(tx, *token); });
    Response res = Response::redirect(ctx.web.public_url + "/admin/login?notice=signed_out");
    res.cookie(expiredOperatorCookie(ctx.web));
    return res;
}

}  // namespace

void addAdminAuthRoutes(Router& router, const Context& ctx) {
    const Context* c = &ctx;
    router.add({"GET", "/admin/login", RouteKind::Page, [c](Request& r) { return loginPage(*c, r); }, {}});
    router.add({"POST", "/admin/login", RouteKind::Form, [c](Request& r) { return requestLink(*c, r); },
                {kFormMediaType}});
    router.add({"GET", "/admin/login/sent", RouteKind::Page, [c](Request& r) { return linkSent(*c, r); }, {}});
    router.add({"GET", "/admin/signin/{token}", RouteKind::Page, [c](Request& r) { return signInPage(*c, r); }, {}});
    router.add({"POST", "/admin/signin/{token}", RouteKind::Form, [c](Request& r) { return redeem(*c, r); },
                {kFormMediaType}});
    router.add({"POST", "/admin/logout", RouteKind::Form, [c](Request& r) { return logout(*c, r); },
                {kFormMediaType}});
}

}  // namespace rsolv::http
