#include "domain/accounts.h"
#include "domain/workflow.h"
#include "http/handlers/dashboard_page.h"
#include "domain/trial_story.h"
#include "http/handlers/routes.h"
#include "http/usage_chart.h"
#include "domain/fix_attempts.h"

namespace rsolv::http {
namespace {

constexpr int kRecentAttempts = 20;
constexpr int kChartDays = 14;

kainjow::mustache::data attemptRows(const std::vector<storage::FixAttemptRecord>& attempts, Timestamp now) {
    kainjow::mustache::data rows{kainjow::mustache::data::type::list};
    for (const auto& a : attempts) {
        kainjow::mustache::data row;
        row.set("repository", a.repository);
        row.set("reference", a.reference);
        row.set("status", a.status);
        row.set("status_" + a.status, true);
        row.set("status_label", a.status == "succeeded" ? "Fixed" : a.status == "failed" ? "Failed" : "Running");
        setTime(row, "started", a.created_at, now);
        if (a.finished_at) setTime(row, "finished", *a.finished_at, now);
        if (a.pull_request_url) row.set("pull_request_url", *a.pull_request_url);
        if (a.failure_reason) row.set("failure_reason", *a.failure_reason);
        if (a.refund_denied_reason) row.set("credit_kept", true);
        if (a.status == "failed" && a.credit_refunded) row.set("refunded", true);
        rows.push_back(row);
    }
    return rows;
}

/// How many failed attempts will still give their credit back (RSOLV_TRIAL_REFUNDS), or that they no longer do.
void setRefunds(ViewData& d, int limit, int used) {
    const int remaining = std::max(0, limit - used);
    d.set("refunds_limit", std::to_string(limit));
    d.set("refunds_remaining", std::to_string(remaining));
    d.set("refunds_left", remaining > 0);
    d.set("refunds_used_up", limit > 0 && remaining == 0);
    d.set("refunds_none", limit == 0);
}

void setSetupSteps(ViewData& d, const domain::SetupProgress& p) {
    d.set("step1_done", p.has_key);
    d.set("step2_done", p.api_called);
    d.set("step3_done", p.api_called);
    d.set("step4_done", p.fix_attempted);
    d.set("steps_done", std::to_string(p.doneCount()));
    d.set("setup_completed", p.completed);
    d.set("all_done", p.doneCount() == 4);
}

Response overview(const Context& ctx, Request& req) {
    const SignedIn who = requireSignedIn(ctx, req);
    const auto& c = who.customer;
    struct Loaded {
        domain::SetupProgress progress;
        std::vector<storage::FixAttemptRecord> attempts;
        std::vector<domain::DayCount> per_day;
    };
    const Timestamp now = ctx.clock.now();
    const auto loaded = storage::inTransaction(ctx.db, storage::TxMode::Read, [&](storage::Transaction& tx) {
        return Loaded{domain::setupProgress(tx, c, now),
                      domain::listFixAttempts(tx, c.id, std::nullopt, kRecentAttempts),
                      domain::attemptsPerDay(tx, c.id, now, kChartDays)};
    });
    // The wizard greets a new customer until it is finished, put off, or its four steps are done.
    if (!loaded.progress.completed && !loaded.progress.skipped && loaded.progress.doneCount() < 4)
        return Response::redirect(ctx.web.public_url + "/dashboard/setup");

    Response res;
    auto d = dashboardData(ctx, req, res, who, "Overview", DashboardSection::Overview);
    const int remaining = std::max(0, c.trial_fixes_limit - c.trial_fixes_used);
    d.set("fixes_used", std::to_string(c.trial_fixes_used));
    d.set("fixes_limit", std::to_string(c.trial_fixes_limit));
    d.set("fixes_remaining", std::to_string(remaining));
    d.set("trial_used_up", remaining == 0);
    d.set("one_left", remaining == 1);
    d.set("usage_percent", std::to_string(c.trial_fixes_limit ? c.trial_fixes_used * 100 / c.trial_fixes_limit : 100));
    const auto level = domain::usageLevel(c.trial_fixes_used, c.trial_fixes_limit);
    d.set("usage_level", level == domain::UsageLevel::Full ? "full" : level == domain::UsageLevel::Warn ? "warn" : "ok");
    d.set("nearly_used_up", level == domain::UsageLevel::Warn);
    d.set("chart_svg", usageChartSvg(loaded.per_day));
    setRefunds(d, ctx.api.trial_refunds, c.trial_refunds_used);
    setSetupSteps(d, loaded.progress);
    d.set("attempts", attemptRows(loaded.attempts, now));
    d.set("has_attempts", !loaded.attempts.empty());
    res.body = ctx.views.page("dashboard/overview", d);
    return res;
}

/// The first step still to do (1 to 4), or 5 when all are done.
int currentStep(const domain::SetupProgress& p) {
    if (!p.has_key) return 1;
    if (!p.api_called) return 2;
    if (!p.fix_attempted) return 4;
    return 5;
}

/// The repository typed on the wizard (?repo=owner/name), to link straight to its GitHub pages; not stored. True when
/// a well-formed one was given.
bool setRepository(ViewData& d, const Request& req) {
    const auto query = req.queryParams();
    const auto typed = query.find("repo");
    if (typed == query.end() || typed->second.empty()) return false;
    const std::string repo = domain::normalizeGitHubRepository(typed->second);
    if (repo.empty()) {
        d.set("repo", typed->second.substr(0, 140));
        d.set("repo_error", "Type it as owner/name, for example acme/widgets.");
        return false;
    }
    d.set("repo", repo);
    d.set("has_repo", true);
    return true;
}

domain::SetupProgress loadProgress(const Context& ctx, const SignedIn& who) {
    return storage::inTransaction(ctx.db, storage::TxMode::Read, [&](storage::Transaction& tx) {
        return domain::setupProgress(tx, who.customer, ctx.clock.now());
    });
}

Response setup(const Context& ctx, Request& req) {
    const SignedIn who = requireSignedIn(ctx, req);
    const auto progress = loadProgress(ctx, who);
    Response res;
    auto d = dashboardData(ctx, req, res, who, "Set up RSOLV", DashboardSection::Setup);
    setSetupSteps(d, progress);
    const int current = currentStep(progress);
    d.set("current_step", std::to_string(current == 4 && !progress.api_called ? 3 : current));
    const bool has_repo = setRepository(d, req);
    for (int n = 1; n <= 4; ++n) d.set("current" + std::to_string(n), n == current);
    // Steps 2 and 3 turn done together, with the first API call. One primary button: the secret's page when we can
    // link to it, else the workflow download.
    if (current == 2 && !has_repo) {
        d.set("current2", false);
        d.set("current3", true);
    }
    res.body = ctx.views.page("dashboard/setup", d);
    return res;
}

/// What the wizard's small script polls: the number of steps done, so that it reloads when it changes.
Response setupProgressJson(const Context& ctx, Request& req) {
    const SignedIn who = requireSignedIn(ctx, req);
    const auto progress = loadProgress(ctx, who);
    return Response::json("{\"steps_done\":" + std::to_string(progress.doneCount()) + "}");
}

Response finishOrSkip(const Context& ctx, Request& req, bool finish) {
    const SignedIn who = requireSignedIn(ctx, req);
    storage::inTransaction(ctx.db, storage::TxMode::Write, [&](storage::Transaction& tx) {
        const Timestamp now = ctx.clock.now();
        if (finish) {
            domain::finishSetup(tx, who.customer.id, now);
            setNotice(ctx, tx, who.session.id_hash, "Setup complete.");
        } else {
            domain::skipSetup(tx, who.customer.id, now);
            setNotice(ctx, tx, who.session.id_hash, "You can come back to the setup steps at any time.");
        }
    });
    return Response::redirect(ctx.web.public_url + "/dashboard");
}

Response workflowPage(const Context& ctx, Request& req) {
    const SignedIn who = requireSignedIn(ctx, req);
    Response res;
    auto d = dashboardData(ctx, req, res, who, "GitHub workflow", DashboardSection::Workflow);
    d.set("workflow_yaml", domain::githubWorkflow(ctx.web.github_action, ctx.web.public_url));
    d.set("secret_ref", "${{ secrets.RSOLV_API_KEY }}");
    res.body = ctx.views.page("dashboard/workflow", d);
    return res;
}

Response workflowFile(const Context& ctx, Request& req) {
    requireSignedIn(ctx, req);
    Response res = Response::text(domain::githubWorkflow(ctx.web.github_action, ctx.web.public_url));
    res.content_type = "text/yaml; charset=utf-8";
    res.header("Content-Disposition", "attachment; filename=\"rsolv.yml\"");
    return res;
}

}  // namespace

void addDashboardRoutes(Router& router, const Context& ctx) {
    const Context* c = &ctx;
    router.add({"GET", "/dashboard", RouteKind::Page, [c](Request& r) { return overview(*c, r); }, {}});
    router.add({"GET", "/dashboard/setup", RouteKind::Page, [c](Request& r) { return setup(*c, r); }, {}});
    router.add({"GET", "/dashboard/setup/progress", RouteKind::Page,
                [c](Request& r) { return setupProgressJson(*c, r); }, {}});
    router.add({"POST", "/dashboard/setup/finish", RouteKind::Form,
                [c](Request& r) { return finishOrSkip(*c, r, true); }, {kFormMediaType}});
    router.add({"POST", "/dashboard/setup/skip", RouteKind::Form,
                [c](Request& r) { return finishOrSkip(*c, r, false); }, {kFormMediaType}});
    router.add({"GET", "/dashboard/workflow", RouteKind::Page, [c](Request& r) { return workflowPage(*c, r); }, {}});
    router.add({"GET", "/dashboard/workflow/rsolv.yml", RouteKind::Page,
                [c](Request& r) { return workflowFile(*c, r); }, {}});
}

}  // namespace rsolv::http
