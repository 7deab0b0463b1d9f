// /admin: today and the last 7 days at a glance.
#include <cstdio>

#include "domain/admin/glance.h"
#include "http/admin_session.h"
#include "http/handlers/admin_routes.h"
#include "http/handlers/dashboard_page.h"

namespace rsolv::http {
namespace {

using kainjow::mustache::data;

data signupData(const storage::SignupCounts& s) {
    data d;
    d.set("provisioned", std::to_string(s.provisioned));
    d.set("failed", std::to_string(s.failed));
    std::int64_t rejected = 0;
    data reasons{data::type::list};
    for (const auto& [reason, n] : s.rejected_by_reason) {
        data r;
        r.set("reason", reason);
        r.set("count", std::to_string(n));
        reasons.push_back(r);
        rejected += n;
    }
    d.set("rejected", std::to_string(rejected));
    d.set("reasons", reasons);
    char ms[32];
    std::snprintf(ms, sizeof ms, "%.0f ms", s.average_provisioning_ms.value_or(0));
    d.set("average_ms", s.average_provisioning_ms ? std::string(ms) : std::string("no signups"));
    return d;
}

Response home(const Context& ctx, Request& req) {
    const auto who = requireOperator(ctx, req, Access::Read);
    domain::SignupMode mode = domain::SignupMode::Open;
    const auto g = storage::inTransaction(ctx.db, storage::TxMode::Read, [&](storage::Transaction& tx) {
        mode = ctx.provisioning.signupModes().current(tx);
        return domain::admin::glance(tx, ctx.clock.now());
    });
    Response res;
    auto d = adminPageData(ctx, req, res, "At a glance", who, AdminSection::Home);
    d.set("signup_mode", std::string(domain::toString(mode)));
    d.set("today", signupData(g.today));
    d.set("week", signupData(g.week));
    data jobs{data::type::list};
    for (const auto& j : g.jobs) {
        data r;
        r.set("state", j.state);
        r.set("count", std::to_string(j.count));
        const bool waiting = j.state == "available" || j.state == "retryable";
        r.set("oldest", waiting && j.oldest_run_at ? humanTime(*j.oldest_run_at) : std::string("-"));
        jobs.push_back(r);
    }
    d.set("jobs", jobs);
    data failures{data::type::list};
    for (const auto& f : g.recent_failures) {
        data r;
        r.set("id", std::to_string(f.id));
        r.set("kind", f.kind);
        r.set("error", f.last_error);
        r.set("at", humanTime(f.updated_at));
        failures.push_back(r);
    }
    d.set("failures", failures);
    res.body = ctx.views.page("admin/home", d);
    return res;
}

}  // namespace

void addAdminHomeRoutes(Router& router, const Context& ctx) {
    const Context* c = &ctx;
    router.add({"GET", "/admin", RouteKind::Page, [c](Request& r) { return home(*c, r); }, {}});
}

}  // namespace rsolv::http
