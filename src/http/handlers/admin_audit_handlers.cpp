// /admin/audit: every operator action, newest first, filterable by customer, actor, action and date.
#include <charconv>

#include "common/text.h"
#include "domain/admin/audit.h"
#include "http/admin_session.h"
#include "http/handlers/admin_routes.h"
#include "http/handlers/dashboard_page.h"

namespace rsolv::http {
namespace {

std::int64_t positiveOrZero(const std::string& text) {
    std::int64_t v = 0;
    const auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    return ec == std::errc() && p == text.data() + text.size() && v > 0 ? v : 0;
}

Response auditPage(const Context& ctx, Request& req) {
    const auto who = requireOperator(ctx, req, Access::Read);
    const auto q = req.queryParams();
    storage::AuditFilter f;
    f.customer_id = positiveOrZero(fieldOf(q, "customer"));
    f.actor = fieldOf(q, "actor").substr(0, 300);
    f.action = fieldOf(q, "action").substr(0, 100);
    if (const std::string since = fieldOf(q, "since"); since.size() == 10) {
        try {
            f.since = storage::parseTimestamp(since + "T00:00:00.000000Z");
        } catch (const std::exception&) {
        }
    }
    f.before_id = positiveOrZero(fieldOf(q, "before"));
    f.limit = 100;
    const auto entries = storage::inTransaction(ctx.db, storage::TxMode::Read, [&](storage::Transaction& tx) {
        return domain::admin::listAudit(tx, f);
    });
    Response res;
    auto d = adminPageData(ctx, req, res, "Audit log", who, AdminSection::Audit);
    d.set("entries", auditRows(entries));
    for (const char* k : {"customer", "actor", "action", "since"}) d.set(std::string("f_") + k, fieldOf(q, k));
    if (int(entries.size()) == f.limit) {
        std::string next = "/admin/audit?";
        for (const char* k : {"customer", "actor", "action", "since"})
            if (!fieldOf(q, k).empty()) next += std::string(k) + "=" + urlEncode(fieldOf(q, k)) + "&";
        d.set("next_url", next + "before=" + std::to_string(entries.back().id));
    }
    res.body = ctx.views.page("admin/audit", d);
    return res;
}

}  // namespace

void addAdminAuditRoutes(Router& router, const Context& ctx) {
    const Context* c = &ctx;
    router.add({"GET", "/admin/audit", RouteKind::Page, [c](Request& r) { return auditPage(*c, r); }, {}});
}

}  // namespace rsolv::http
