// /admin/operators: the list for everyone, and (admins only) add, change role, disable and enable.
#include "domain/admin/operators.h"
#include "http/admin_session.h"
#include "http/handlers/admin_routes.h"
#include "http/handlers/dashboard_page.h"
#include "http/handlers/routes.h"
#include "http/http_error.h"

namespace rsolv::http {
namespace {

using kainjow::mustache::data;
namespace admin = domain::admin;

Response list(const Context& ctx, Request& req) {
    const auto who = requireOperator(ctx, req, Access::Read);
    const auto ops = storage::inTransaction(ctx.db, storage::TxMode::Read,
                                            [&](storage::Transaction& tx) { return admin::listOperators(tx); });
    Response res;
    auto d = adminPageData(ctx, req, res, "Operators", who, AdminSection::Operators);
    data rows{data::type::list};
    for (const auto& op : ops) {
        data r;
        r.set("id", std::to_string(op.id));
        r.set("email", op.email);
        r.set("role", op.role);
        r.set("is_admin", op.role == "admin");
        r.set("disabled", op.disabled_at.has_value());
        r.set("created", humanTime(op.created_at));
        r.set("self", op.id == who.op.id);
        rows.push_back(r);
    }
    d.set("operators", rows);
    res.body = ctx.views.page("admin/operators", d);
    return res;
}

Response done(const Context& ctx, const Result<bool>& result) {
    if (!result.ok())
        throw HttpError(result.error().code == "not_found" ? 404 : 422, result.error().code, result.error().message);
    return Response::redirect(ctx.web.public_url + "/admin/operators?done=1");
}

template <class F>
Response change(const Context& ctx, Request& req, F&& fn) {
    const auto who = requireOperator(ctx, req, Access::Change);
    const auto form = req.form();
    const admin::Actor actor{who.actorName(), req.client_ip};
    const auto reason = admin::checkReason(fieldOf(form, "reason"));
    if (!reason.ok()) throw HttpError(422, reason.error().code, reason.error().message);
    return done(ctx, storage::inTransaction(ctx.db, storage::TxMode::Write, [&](storage::Transaction& tx) {
                    return fn(tx, form, who, actor, reason.value());
                }));
}

using Form = std::map<std::string, std::string>;

Response add(const Context& ctx, Request& req) {
    return change(ctx, req, [&](storage::Transaction& tx, const Form& f, const OperatorSignedIn&, const admin::Actor& a,
                                const std::string& reason) -> Result<bool> {
        auto id = admin::addOperator(tx, fieldOf(f, "email"), fieldOf(f, "role"), a, reason, ctx.clock.now());
        if (!id.ok()) return id.error();
        return true;
    });
}

Response setRole(const Context& ctx, Request& req) {
    const auto id = positiveId(req.path_params.at("id"), "operator");
    return change(ctx, req, [&](storage::Transaction& tx, const Form& f, const OperatorSignedIn&, const admin::Actor& a,
                                const std::string& reason) {
        return admin::setOperatorRole(tx, id, fieldOf(f, "role"), a, reason, ctx.clock.now());
    });
}

Response setDisabled(const Context& ctx, Request& req, bool disabled) {
    const auto id = positiveId(req.path_params.at("id"), "operator");
    return change(ctx, req, [&](storage::Transaction& tx, const Form&, const OperatorSignedIn& who,
                                const admin::Actor& a, const std::string& reason) -> Result<bool> {
        if (disabled && id == who.op.id)
            return Error{"self", "", "You cannot disable yourself: ask another admin."};
        return admin::setOperatorDisabled(tx, id, disabled, a, reason, ctx.clock.now());
    });
}

}  // namespace

void addAdminOperatorRoutes(Router& router, const Context& ctx) {
    const Context* c = &ctx;
    router.add({"GET", "/admin/operators", RouteKind::Page, [c](Request& r) { return list(*c, r); }, {}});
    router.add({"POST", "/admin/operators", RouteKind::Form, [c](Request& r) { return add(*c, r); }, {kFormMediaType}});
    router.add({"POST", "/admin/operators/{id}/role", RouteKind::Form, [c](Request& r) { return setRole(*c, r); },
                {kFormMediaType}});
    router.add({"POST", "/admin/operators/{id}/disable", RouteKind::Form,
                [c](Request& r) { return setDisabled(*c, r, true); }, {kFormMediaType}});
    router.add({"POST", "/admin/operators/{id}/enable", RouteKind::Form,
                [c](Request& r) { return setDisabled(*c, r, false); }, {kFormMediaType}});
}

}  // namespace rsolv::http
