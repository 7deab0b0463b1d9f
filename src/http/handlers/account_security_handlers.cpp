// Account pre-hijacking (issue 9): the review after the first proof of an address, and the "this wasn't me" link of
// the welcome email.
#include "common/text.h"
#include "domain/email_verification.h"
#include "domain/sign_in.h"
#include "http/handlers/dashboard_page.h"
#include "http/handlers/routes.h"
#include "http/http_error.h"
#include "http/web_session.h"

namespace rsolv::http {
namespace {

constexpr const char* kNewKeyFlash = "dashboard_new_key";  // the keys page shows it once

Response reviewPage(const Context& ctx, Request& req) {
    const SignedIn who = requireSignedIn(ctx, req);
    const Timestamp now = ctx.clock.now();
    const auto review = storage::inTransaction(ctx.db, storage::TxMode::Read, [&](storage::Transaction& tx) {
        return domain::pendingReview(tx, who.customer.id, now);
    });
    if (!review) return Response::redirect(ctx.web.public_url + "/dashboard");
    Response res;
    auto d = dashboardData(ctx, req, res, who, "Review your account", DashboardSection::Review);
    kainjow::mustache::data keys{kainjow::mustache::data::type::list};
    for (const auto& k : review->keys) {
        kainjow::mustache::data row;
        row.set("name", k.name);
        row.set("display_id", k.display_id);
        row.set("created", humanTime(k.created_at));
        row.set("created_iso", isoTime(k.created_at));
        keys.push_back(row);
    }
    kainjow::mustache::data sessions{kainjow::mustache::data::type::list};
    for (const auto& s : review->sessions) {
        kainjow::mustache::data row;
        row.set("created_iso", s.created_at);
        row.set("created", s.created_at.substr(0, 16).replace(10, 1, " ") + " UTC");
        row.set("ip", s.ip);
        row.set("browser", browserOf(s.user_agent));
        sessions.push_back(row);
    }
    d.set("keys", keys);
    d.set("has_keys", !review->keys.empty());
    d.set("sessions", sessions);
    d.set("has_sessions", !review->sessions.empty());
    d.set("verified", humanTime(review->verified_at));
    d.set("return_to", domain::safeReturnTo(fieldOf(req.queryParams(), "return_to")));
    res.body = ctx.views.page("dashboard/review", d);
    return res;
}

Response keepAccess(const Context& ctx, Request& req) {
    const SignedIn who = requireSignedIn(ctx, req);
    storage::inTransaction(ctx.db, storage::TxMode::Write, [&](storage::Transaction& tx) {
        if (domain::keepPreVerificationAccess(tx, who.customer.id, ctx.clock.now()))
            setNotice(ctx, tx, who.session.id_hash, "Thank you. Your keys keep working.");
    });
    return Response::redirect(ctx.web.public_url + domain::safeReturnTo(fieldOf(req.form(), "return_to")));
}

Response revokeAccess(const Context& ctx, Request& req) {
    const SignedIn who = requireSignedIn(ctx, req);
    return storage::inTransaction(ctx.db, storage::TxMode::Write, [&](storage::Transaction& tx) {
        auto issued = domain::revokePreVerificationAccess(tx, who.customer.id, who.session.id_hash, ctx.clock.now(),
                                                          ctx.keys);
        if (!issued.ok()) return Response::redirect(ctx.web.public_url + "/dashboard");
        setSecretFlash(ctx, tx, who.session.id_hash, kNewKeyFlash, issued.value().secret);
        setNotice(ctx, tx, who.session.id_hash,
                  "Every earlier key is revoked and every other browser signed out. Here is your new key: copy it "
                  "now, it is shown only once.");
        return Response::redirect(ctx.web.public_url + "/dashboard/keys");
    });
}

/// The customer whose account the link closes; 404 for a link that is not ours, 410 for one past its 30 days.
std::int64_t disownedCustomer(const Context& ctx, const Request& req, storage::Transaction& tx) {
    const auto link = domain::verifyDisownToken(ctx.web.not_me_key, req.path_params.at("token"));
    if (!link) throw HttpError(404, "not_found", "This link is not valid.");
    if (!domain::disownLinkLive(tx, *link, ctx.clock.now()))
        throw HttpError(410, "link_expired",
                        "This link has expired: it works for 30 days after the welcome email. If you did not open "
                        "this account, sign in with this address (a sign-in link comes by email) or write to support.");
    return link->customer_id;
}

Response notMePage(const Context& ctx, Request& req) {
    storage::inTransaction(ctx.db, storage::TxMode::Read,
                           [&](storage::Transaction& tx) { disownedCustomer(ctx, req, tx); });
    Response res;
    res.header("Referrer-Policy", "no-referrer");
    auto d = pageData(ctx, req, res, "This wasn't me", std::nullopt);
    d.set("token", req.path_params.at("token"));
    res.body = ctx.views.page("not_me", d);
    return res;
}

Response notMe(const Context& ctx, Request& req) {
    storage::inTransaction(ctx.db, storage::TxMode::Write, [&](storage::Transaction& tx) {
        domain::disownAccount(tx, disownedCustomer(ctx, req, tx), req.client_ip, ctx.clock.now());
    });
    Response res;
    auto d = pageData(ctx, req, res, "The account is closed", std::nullopt);
    res.body = ctx.views.page("not_me_done", d);
    return res;
}

}  // namespace

void addAccountSecurityRoutes(Router& router, const Context& ctx) {
    const Context* c = &ctx;
    router.add({"GET", "/dashboard/review", RouteKind::Page, [c](Request& r) { return reviewPage(*c, r); }, {}});
    router.add({"POST", "/dashboard/review/keep", RouteKind::Form, [c](Request& r) { return keepAccess(*c, r); },
                {kFormMediaType}});
    router.add({"POST", "/dashboard/review/revoke", RouteKind::Form, [c](Request& r) { return revokeAccess(*c, r); },
                {kFormMediaType}});
    router.add({"GET", "/not-me/{token}", RouteKind::Page, [c](Request& r) { return notMePage(*c, r); }, {}});
    router.add({"POST", "/not-me/{token}", RouteKind::SignedLink, [c](Request& r) { return notMe(*c, r); },
                {kFormMediaType}});
}

}  // namespace rsolv::http
