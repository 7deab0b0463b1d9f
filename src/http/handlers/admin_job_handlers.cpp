// /admin/jobs: the queue by state and kind, each job's attempts and last error (secrets masked); retry now, discard,
// and retry every dead job of a kind.
#include <algorithm>
#include <charconv>

#include "common/text.h"

#include "domain/admin/jobs.h"
#include "http/admin_session.h"
#include "http/handlers/admin_routes.h"
#include "http/handlers/dashboard_page.h"
#include "http/handlers/routes.h"
#include "http/http_error.h"

namespace rsolv::http {
namespace {

using kainjow::mustache::data;
namespace admin = domain::admin;
constexpr int kPageSize = 50;

const char* const kStates[] = {"available", "running", "retryable", "dead", "completed", "cancelled"};

Response list(const Context& ctx, Request& req) {
    const auto who = requireOperator(ctx, req, Access::Read);
    const auto q = req.queryParams();
    std::string state = fieldOf(q, "state");
    if (std::find(std::begin(kStates), std::end(kStates), state) == std::end(kStates)) state.clear();
    const std::string kind = fieldOf(q, "kind").substr(0, 100);
    std::int64_t before = 0;
    const std::string b = fieldOf(q, "before");
    std::from_chars(b.data(), b.data() + b.size(), before);
    struct Loaded {
        std::vector<storage::JobView> jobs;
        std::vector<std::string> kinds;
    };
    const auto loaded = storage::inTransaction(ctx.db, storage::TxMode::Read, [&](storage::Transaction& tx) {
        return Loaded{admin::listJobs(tx, state, kind, std::max<std::int64_t>(0, before), kPageSize),
                      admin::jobKinds(tx)};
    });
    Response res;
    auto d = adminPageData(ctx, req, res, "Jobs", who, AdminSection::Jobs);
    data rows{data::type::list};
    for (const auto& j : loaded.jobs) {
        data r;
        r.set("id", std::to_string(j.id));
        r.set("kind", j.kind);
        r.set("state", j.state);
        r.set("attempts", std::to_string(j.attempts) + " / " + std::to_string(j.max_attempts));
        r.set("error", j.last_error);
        r.set("run_at", humanTime(j.run_at));
        r.set("updated", humanTime(j.updated_at));
        r.set("actionable", j.state == "dead" || j.state == "retryable" || j.state == "available");
        rows.push_back(r);
    }
    d.set("jobs", rows);
    data states{data::type::list};
    for (const char* s : kStates) {
        data r;
        r.set("value", std::string(s));
        if (state == s) r.set("selected", true);
        states.push_back(r);
    }
    d.set("states", states);
    data kinds{data::type::list};
    for (const auto& k : loaded.kinds) {
        data r;
        r.set("value", k);
        if (kind == k) r.set("selected", true);
        kinds.push_back(r);
    }
    d.set("kinds", kinds);
    if (int(loaded.jobs.size()) == kPageSize)
        d.set("next_url", "/admin/jobs?state=" + urlEncode(state) + "&kind=" + urlEncode(kind) +
                              "&before=" + std::to_string(loaded.jobs.back().id));
    res.body = ctx.views.page("admin/jobs", d);
    return res;
}

template <class F>
Response change(const Context& ctx, Request& req, F&& fn) {
    const auto who = requireOperator(ctx, req, Access::Change);
    const auto form = req.form();
    const admin::Actor actor{who.actorName(), req.client_ip};
    const auto result = storage::inTransaction(ctx.db, storage::TxMode::Write, [&](storage::Transaction& tx) {
        return fn(tx, form, actor, ctx.clock.now());
    });
    if (!result.ok())
        throw HttpError(result.error().code == "not_found" ? 404 : 422, result.error().code, result.error().message);
    ctx.jobs_enqueued();
    return redirectWithNotice(ctx, "/admin/jobs", result.value());
}

using Form = std::map<std::string, std::string>;

}  // namespace

void addAdminJobRoutes(Router& router, const Context& ctx) {
    const Context* c = &ctx;
    router.add({"GET", "/admin/jobs", RouteKind::Page, [c](Request& r) { return list(*c, r); }, {}});
    router.add({"POST", "/admin/jobs/{id}/retry", RouteKind::Form,
                [c](Request& r) {
                    const auto id = positiveId(r.path_params.at("id"), "job");
                    return change(*c, r, [&](storage::Transaction& tx, const Form& f, const admin::Actor& a,
                                             Timestamp now) { return admin::retryJob(tx, id, a, fieldOf(f, "reason"), now); });
                },
                {kFormMediaType}});
    router.add({"POST", "/admin/jobs/{id}/discard", RouteKind::Form,
                [c](Request& r) {
                    const auto id = positiveId(r.path_params.at("id"), "job");
                    return change(*c, r, [&](storage::Transaction& tx, const Form& f, const admin::Actor& a,
                                             Timestamp now) { return admin::discardJob(tx, id, a, fieldOf(f, "reason"), now); });
                },
                {kFormMediaType}});
    router.add({"POST", "/admin/jobs/retry-dead", RouteKind::Form,
                [c](Request& r) {
                    return change(*c, r, [&](storage::Transaction& tx, const Form& f, const admin::Actor& a,
                                             Timestamp now) {
                        return admin::retryDeadJobs(tx, fieldOf(f, "kind"), a, fieldOf(f, "reason"), now);
                    });
                },
                {kFormMediaType}});
}

}  // namespace rsolv::http
