// /admin/signups: the signup mode, invitations and the waitlist; (admins) switch the mode, invite an address or a
// domain, approve a waitlist entry. Each change one transaction with its audit row.
#include "domain/admin/signups.h"
#include "http/admin_session.h"
#include "http/handlers/admin_routes.h"
#include "http/handlers/dashboard_page.h"
#include "http/handlers/routes.h"
#include "http/http_error.h"

namespace rsolv::http {
namespace {

using kainjow::mustache::data;
namespace admin = domain::admin;

constexpr int kListed = 500;

data invitationRows(const std::vector<storage::InvitationRecord>& invitations) {
    data rows{data::type::list};
    for (const auto& i : invitations) {
        data r;
        r.set("id", std::to_string(i.id));
        r.set("kind", i.kind == "link" ? std::string("link (waitlist)") : i.kind);
        r.set("value", i.value);
        r.set("created", humanTime(i.created_at));
        r.set("by", i.created_by);
        r.set("state", i.kind == "domain" ? std::string("open to the domain")
                       : i.used_at       ? "used " + humanTime(*i.used_at)
                                         : std::string("not used yet"));
        if (i.customer_id) r.set("customer_id", std::to_string(*i.customer_id));
        rows.push_back(r);
    }
    return rows;
}

data waitlistRows(const std::vector<storage::WaitlistRecord>& entries) {
    data rows{data::type::list};
    for (const auto& w : entries) {
        data r;
        r.set("id", std::to_string(w.id));
        r.set("email", w.email);
        r.set("name", w.name);
        r.set("company", w.company);
        r.set("joined", humanTime(w.created_at));
        r.set("approved", w.approved_at ? humanTime(*w.approved_at) : std::string());
        r.set("waiting", !w.approved_at);
        rows.push_back(r);
    }
    return rows;
}

Response page(const Context& ctx, Request& req) {
    const auto who = requireOperator(ctx, req, Access::Read);
    const auto o = storage::inTransaction(ctx.db, storage::TxMode::Read,
                                          [&](storage::Transaction& tx) { return admin::signupsOverview(tx, kListed); });
    Response res;
    auto d = adminPageData(ctx, req, res, "Signups", who, AdminSection::Signups);
    const std::string mode(domain::toString(o.mode));
    d.set("mode", mode);
    d.set("mode_" + mode, true);
    data modes{data::type::list};
    for (const char* m : {"open", "invite", "closed"}) {
        data r;
        r.set("value", std::string(m));
        r.set("selected", mode == m);
        modes.push_back(r);
    }
    d.set("modes", modes);
    d.set("invitations", invitationRows(o.invitations));
    d.set("has_invitations", !o.invitations.empty());
    d.set("waitlist", waitlistRows(o.waitlist));
    d.set("has_waitlist", !o.waitlist.empty());
    res.body = ctx.views.page("admin/signups", d);
    return res;
}

using Change = std::function<Result<std::string>(storage::Transaction&, const std::map<std::string, std::string>&,
                                                 const admin::Actor&, Timestamp)>;
/// One change in one transaction with its audit row, then back to the page; a refusal is a 422 (404: unknown entry).
Response apply(const Context& ctx, Request& req, const Change& change) {
    const auto who = requireOperator(ctx, req, Access::Change);
    const auto form = req.form();
    const admin::Actor actor{who.actorName(), req.client_ip};
    const auto result = storage::inTransaction(ctx.db, storage::TxMode::Write, [&](storage::Transaction& tx) {
        return change(tx, form, actor, ctx.clock.now());
    });
    if (!result.ok())
        throw HttpError(result.error().code == "not_found" ? 404 : 422, result.error().code, result.error().message);
    ctx.provisioning.signupModes().forget();
    ctx.jobs_enqueued();
    return redirectWithNotice(ctx, "/admin/signups", result.value());
}

}  // namespace

void addAdminSignupRoutes(Router& router, const Context& ctx) {
    const Context* c = &ctx;
    using F = std::map<std::string, std::string>;
    router.add({"GET", "/admin/signups", RouteKind::Page, [c](Request& r) { return page(*c, r); }, {}});
    router.add({"POST", "/admin/signups/mode", RouteKind::Form,
                [c](Request& r) {
                    return apply(*c, r, [](storage::Transaction& tx, const F& f, const admin::Actor& a, Timestamp now) {
                        return admin::setSignupMode(tx, fieldOf(f, "mode"), a, fieldOf(f, "reason"), now);
                    });
                },
                {kFormMediaType}});
    router.add({"POST", "/admin/signups/invitations", RouteKind::Form,
                [c](Request& r) {
                    return apply(*c, r, [](storage::Transaction& tx, const F& f, const admin::Actor& a, Timestamp now) {
                        return admin::invite(tx, fieldOf(f, "invitee"), a, fieldOf(f, "reason"), now);
                    });
                },
                {kFormMediaType}});
    router.add({"POST", "/admin/signups/waitlist/{id}/approve", RouteKind::Form,
                [c](Request& r) {
                    const auto id = positiveId(r.path_params.at("id"), "waitlist entry");
                    return apply(*c, r, [c, id](storage::Transaction& tx, const F& f, const admin::Actor& a,
                                                Timestamp now) {
                        return admin::approveWaitlistEntry(tx, id, a, fieldOf(f, "reason"), now,
                                                           c->web.invitation_seal_key);
                    });
                },
                {kFormMediaType}});
}

}  // namespace rsolv::http
