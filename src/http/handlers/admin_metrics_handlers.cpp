// Issue 13 in the operator console: /admin/metrics (RFC-065's success report with its chart), /admin/support (support
// tickets) and /admin/alerts (the built-in alerts and when they fired).
#include <fmt/format.h>

#include "domain/alerting.h"
#include "domain/success_report.h"
#include "domain/support_tickets.h"
#include "http/admin_session.h"
#include "http/handlers/admin_routes.h"
#include "http/handlers/dashboard_page.h"
#include "http/http_error.h"
#include "http/success_chart.h"

namespace rsolv::http {
namespace {

using kainjow::mustache::data;
constexpr int kTicketsPerPage = 50;
constexpr auto kMaxReportSpan = std::chrono::hours(24 * 366);

std::string percentText(const std::optional<double>& rate) {
    return rate ? fmt::format("{:.1f} %", *rate * 100.0) : std::string("-");
}

std::string msText(const std::optional<std::int64_t>& ms) { return ms ? fmt::format("{} ms", *ms) : "-"; }

data verdictData(domain::Verdict v, std::optional<Timestamp> final_at = std::nullopt) {
    data d;
    d.set("verdict", std::string(domain::toString(v)));
    std::string text = v == domain::Verdict::Met      ? "met"
                       : v == domain::Verdict::Missed ? "missed"
                       : v == domain::Verdict::NoData ? "no data"
                                                      : "pending";
    if (v == domain::Verdict::Pending && final_at) text += " (final " + humanTime(*final_at) + ")";
    d.set("verdict_text", text);
    return d;
}

data shareData(const domain::WindowedShare& s) {
    data d = verdictData(s.verdict, s.pending > 0 ? std::optional(s.final_at) : std::nullopt);
    d.set("rate", percentText(s.rate));
    d.set("done", std::to_string(s.done));
    d.set("of", std::to_string(s.of));
    d.set("pending", std::to_string(s.pending));
    d.set("has_pending", s.pending > 0);
    return d;
}

data cohortData(const domain::CohortReport& c, domain::CohortSize by) {
    data d;
    const std::string start = domain::reportDate(c.start);
    d.set("label", by == domain::CohortSize::Week ? "week of " + start : start);
    d.set("start", start);
    d.set("end", domain::reportDate(c.end));
    d.set("signups", std::to_string(c.signups));
    d.set("provisioned", std::to_string(c.provisioned));
    d.set("failed", std::to_string(c.failed));
    data success = verdictData(c.success);
    success.set("rate", percentText(c.success_rate));
    d.set("success", success);
    data time = verdictData(c.provisioning_time);
    time.set("p50", msText(c.p50_ms));
    time.set("p95", msText(c.p95_ms));
    time.set("p99", msText(c.p99_ms));
    d.set("time", time);
    d.set("activation", shareData(c.activation));
    d.set("first_fix", shareData(c.first_fix));
    d.set("tickets", shareData(c.tickets));
    d.set("rejected", std::to_string(c.rejected));
    data reasons{data::type::list};
    for (const auto& [reason, n] : c.rejections) {
        data r;
        r.set("reason", reason);
        r.set("count", std::to_string(n));
        reasons.push_back(r);
    }
    d.set("reasons", reasons);
    return d;
}

struct ReportQuery {
    Timestamp since, until;
    domain::CohortSize by = domain::CohortSize::Day;
    std::optional<Error> error;
};

ReportQuery readQuery(const Request& req, Timestamp now) {
    const auto params = req.queryParams();
    ReportQuery q;
    const std::string by = fieldOf(params, "by");
    if (!by.empty()) {
        auto parsed = domain::parseCohortSize(by);
        if (!parsed.ok()) q.error = parsed.error();
        else q.by = parsed.value();
    }
    // Defaults: the last 7 days with today (by day), or the last 4 weeks with this one (by week).
    const Timestamp tomorrow = domain::utcMidnight(now) + std::chrono::hours(24);
    q.until = tomorrow;
    q.since = tomorrow - std::chrono::hours(24 * 7);
    if (q.by == domain::CohortSize::Week) {
        const auto days = std::chrono::floor<std::chrono::days>(now.time_since_epoch()).count();
        const Timestamp monday = domain::utcMidnight(now) - std::chrono::hours(24 * ((days + 3) % 7));
        q.until = monday + std::chrono::hours(24 * 7);
        q.since = monday - std::chrono::hours(24 * 7 * 3);
    }
    for (auto [name, target] : {std::pair{"since", &q.since}, std::pair{"until", &q.until}}) {
        const std::string text = fieldOf(params, name);
        if (text.empty()) continue;
        auto parsed = domain::parseReportDate(text, name);
        if (!parsed.ok()) q.error = parsed.error();
        else *target = parsed.value();
    }
    if (!q.error && q.since >= q.until) q.error = Error{"invalid_period", "until", "until must be after since"};
    if (!q.error && q.until - q.since > kMaxReportSpan)
        q.error = Error{"invalid_period", "since", "a report covers at most 366 days"};
    return q;
}

Response metricsPage(const Context& ctx, Request& req) {
    const auto who = requireOperator(ctx, req, Access::Read);
    const Timestamp now = ctx.clock.now();
    const ReportQuery q = readQuery(req, now);
    Response res;
    auto d = adminPageData(ctx, req, res, "Success metrics", who, AdminSection::Metrics);
    d.set("since", domain::reportDate(q.since));
    d.set("until", domain::reportDate(q.until));
    d.set("by_day", q.by == domain::CohortSize::Day);
    d.set("by_week", q.by == domain::CohortSize::Week);
    if (q.error) {
        res.status = 422;
        d.set("form_error", q.error->message);
        res.body = ctx.views.page("admin/metrics", d);
        return res;
    }
    const auto report = domain::successReport(ctx.db, q.since, q.until, q.by, now);
    d.set("report", true);
    d.set("total", cohortData(report.total, q.by));
    data cohorts{data::type::list};
    for (const auto& c : report.cohorts) cohorts.push_back(cohortData(c, q.by));
    d.set("cohorts", cohorts);
    d.set("chart", successChartSvg(report, "cohort-table"));
    d.set("generated", humanTime(report.generated_at));
    res.body = ctx.views.page("admin/metrics", d);
    return res;
}

data ticketRows(const std::vector<storage::SupportTicketRecord>& tickets) {
    data rows{data::type::list};
    for (const auto& t : tickets) {
        data r;
        r.set("id", std::to_string(t.id));
        r.set("customer_id", std::to_string(t.customer_id));
        r.set("customer_email", t.customer_email);
        r.set("subject", t.subject);
        r.set("message", t.message);
        r.set("at", humanTime(t.created_at));
        r.set("at_iso", isoTime(t.created_at));
        rows.push_back(r);
    }
    return rows;
}

Response supportPage(const Context& ctx, Request& req) {
    const auto who = requireOperator(ctx, req, Access::Read);
    const std::string before_text = fieldOf(req.queryParams(), "before");
    const std::int64_t before =
        before_text.empty() ? std::numeric_limits<std::int64_t>::max() : positiveId(before_text, "ticket");
    const auto tickets = storage::inTransaction(ctx.db, storage::TxMode::Read, [&](storage::Transaction& tx) {
        return domain::recentTickets(tx, before, kTicketsPerPage);
    });
    Response res;
    auto d = adminPageData(ctx, req, res, "Support tickets", who, AdminSection::Support);
    d.set("tickets", ticketRows(tickets));
    d.set("has_tickets", !tickets.empty());
    if (tickets.size() == std::size_t(kTicketsPerPage)) d.set("next_before", std::to_string(tickets.back().id));
    res.body = ctx.views.page("admin/support", d);
    return res;
}

Response alertsPage(const Context& ctx, Request& req) {
    const auto who = requireOperator(ctx, req, Access::Read);
    const auto states = storage::inTransaction(ctx.db, storage::TxMode::Read, [&](storage::Transaction& tx) {
        return domain::storedAlertStates(tx);
    });
    Response res;
    auto d = adminPageData(ctx, req, res, "Alerts", who, AdminSection::Alerts);
    data firing{data::type::list}, quiet{data::type::list};
    for (const auto& s : states) {
        data r;
        r.set("name", s.name);
        r.set("title", domain::alertTitle(s.name));
        r.set("detail", s.detail);
        if (s.since) {
            r.set("since", humanTime(*s.since));
            r.set("since_iso", isoTime(*s.since));
        }
        r.set("notified", s.last_notified_at ? humanTime(*s.last_notified_at) : std::string("-"));
        (s.firing ? firing : quiet).push_back(r);
    }
    d.set("firing", firing);
    d.set("any_firing", states.size() && states.front().firing);
    d.set("quiet", quiet);
    res.body = ctx.views.page("admin/alerts", d);
    return res;
}

}  // namespace

TemplateData supportTicketRows(const Context& ctx, std::int64_t customer_id) {
    const auto tickets = storage::inTransaction(ctx.db, storage::TxMode::Read, [&](storage::Transaction& tx) {
        return domain::customerTickets(tx, customer_id, kTicketsPerPage);
    });
    return ticketRows(tickets);
}

void addAdminMetricsRoutes(Router& router, const Context& ctx) {
    const Context* c = &ctx;
    router.add({"GET", "/admin/metrics", RouteKind::Page, [c](Request& r) { return metricsPage(*c, r); }, {}});
    router.add({"GET", "/admin/support", RouteKind::Page, [c](Request& r) { return supportPage(*c, r); }, {}});
    router.add({"GET", "/admin/alerts", RouteKind::Page, [c](Request& r) { return alertsPage(*c, r); }, {}});
}

}  // namespace rsolv::http
