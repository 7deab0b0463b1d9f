#include "domain/accounts.h"
#include "domain/email_verification.h"
#include "domain/sign_in_links.h"
#include "http/handlers/routes.h"
#include "http/http_error.h"
#include "http/web_session.h"

namespace rsolv::http {
namespace {

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
    const bool found = storage::inTransaction(ctx.db, storage::TxMode::Write, [&](storage::Transaction& tx) {
        return domain::setOnboardingEmails(tx, id, false, ctx.clock.now(), "email_link");
    });
    if (!found) throw HttpError(404, "not_found", "This unsubscribe link is not valid.");
    Response res;
    auto d = pageData(ctx, req, res, "You are unsubscribed", std::nullopt);
    res.body = ctx.views.page("unsubscribed", d);
    return res;
}

}  // namespace

void addEmailLinkRoutes(Router& router, const Context& ctx) {
    const Context* c = &ctx;
    router.add({"GET", "/unsubscribe/{token}", RouteKind::Page, [c](Request& r) { return unsubscribePage(*c, r); }, {}});
    router.add({"POST", "/unsubscribe/{token}", RouteKind::SignedLink, [c](Request& r) { return unsubscribe(*c, r); },
                {kFormMediaType}});
}

}  // namespace rsolv::http
