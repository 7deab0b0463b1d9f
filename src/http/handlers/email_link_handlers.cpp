#include "domain/events.h"
#include "domain/sign_in_links.h"
#include "http/handlers/routes.h"
#include "http/http_error.h"
#include "http/web_session.h"
#include "storage/customer_repository.h"

namespace rsolv::http {
namespace {

/// The link from an email opens a page with a button: mail scanners that fetch links cannot use the token up.
Response signInPage(const Context& ctx, Request& req) {
    Response res;
    auto d = pageData(ctx, req, res, "Sign in", std::nullopt);
    d.set("token", req.path_params.at("token"));
    res.body = ctx.views.page("signin_link", d);
    res.header("Referrer-Policy", "no-referrer");
    return res;
}

Response redeemSignIn(const Context& ctx, Request& req) {
    const std::string token = req.path_params.at("token");
    const auto session = storage::inTransaction(ctx.db, storage::TxMode::Write,
                                                [&](storage::Transaction& tx) -> std::optional<domain::StartedSession> {
        const Timestamp now = ctx.clock.now();
        const auto customer_id = domain::redeemSignInToken(tx, token, now);
        if (!customer_id) return std::nullopt;
        const auto customer = storage::CustomerRepository(tx).findById(*customer_id);
        if (!customer || customer->status != "active") return std::nullopt;
        auto started = domain::startSession(tx, *customer_id, req.client_ip, req.header("User-Agent"), now, ctx.sessions);
        domain::recordEvent(tx, *customer_id, domain::event::kSessionStarted, "succeeded", {{"via", "email_link"}}, now);
        return started;
    });
    if (!session) {
        Response res;
        res.status = 410;
        auto d = pageData(ctx, req, res, "This link has expired", std::nullopt);
        res.body = ctx.views.page("signin_link_invalid", d);
        return res;
    }
    Response res = Response::redirect(ctx.web.public_url + "/welcome");
    res.cookie(sessionCookie(ctx.web, session->token));
    return res;
}

std::int64_t unsubscribeCustomer(const Context& ctx, const Request& req) {
    const auto id = domain::verifyUnsubscribeToken(ctx.web.unsubscribe_key, req.path_params.at("token"));
    if (!id) throw HttpError(404, "not_found", "This unsubscribe link is not valid.");
    return *id;
}

Response unsubscribePage(const Context& ctx, Request& req) {
    unsubscribeCustomer(ctx, req);
    Response res;
    auto d = pageData(ctx, req, res, "Unsubscribe", std::nullopt);
    d.set("token", req.path_params.at("token"));
    res.body = ctx.views.page("unsubscribe", d);
    return res;
}

Response unsubscribe(const Context& ctx, Request& req) {
    const std::int64_t id = unsubscribeCustomer(ctx, req);
    storage::inTransaction(ctx.db, storage::TxMode::Write, [&](storage::Transaction& tx) {
        storage::CustomerRepository customers(tx);
        const auto customer = customers.findById(id);
        if (!customer) throw HttpError(404, "not_found", "This unsubscribe link is not valid.");
        if (customer->onboarding_emails) {
            customers.setOnboardingEmails(id, false, ctx.clock.now());
            domain::recordEvent(tx, id, "onboarding_emails", "unsubscribed", {{"via", "email_link"}}, ctx.clock.now());
        }
    });
    Response res;
    auto d = pageData(ctx, req, res, "You are unsubscribed", std::nullopt);
    res.body = ctx.views.page("unsubscribed", d);
    return res;
}

}  // namespace

void addEmailLinkRoutes(Router& router, const Context& ctx) {
    const Context* c = &ctx;
    router.add({"GET", "/signin/{token}", RouteKind::Page, [c](Request& r) { return signInPage(*c, r); }, {}});
    router.add({"POST", "/signin/{token}", RouteKind::Form, [c](Request& r) { return redeemSignIn(*c, r); },
                {kFormMediaType}});
    router.add({"GET", "/unsubscribe/{token}", RouteKind::Page, [c](Request& r) { return unsubscribePage(*c, r); }, {}});
    router.add({"POST", "/unsubscribe/{token}", RouteKind::SignedLink, [c](Request& r) { return unsubscribe(*c, r); },
                {kFormMediaType}});
}

}  // namespace rsolv::http
