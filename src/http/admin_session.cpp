#include "http/admin_session.h"

#include "common/crypto.h"
#include "http/http_error.h"
#include "http/web_session.h"

namespace rsolv::http {

std::string operatorCookieName(const WebSettings& web) {
    return web.secure_cookies ? "__Secure-rsolv_admin" : "rsolv_admin";
}

Cookie operatorCookie(const WebSettings& web, const std::string& token) {
    Cookie c;
    c.name = operatorCookieName(web);
    c.value = token;
    c.secure = web.secure_cookies;
    c.same_site = "Strict";
    c.path = "/admin";
    return c;
}

Cookie expiredOperatorCookie(const WebSettings& web) {
    Cookie c = operatorCookie(web, "");
    c.max_age_seconds = 0;
    return c;
}

namespace {

std::string noticeCookieName(const WebSettings& web) {
    return web.secure_cookies ? "__Secure-rsolv_admin_notice" : "rsolv_admin_notice";
}

Cookie noticeCookie(const WebSettings& web, const std::string& value, long max_age_seconds) {
    Cookie c = operatorCookie(web, value);
    c.name = noticeCookieName(web);
    c.max_age_seconds = max_age_seconds;
    return c;
}

constexpr long kNoticeSeconds = 60;
constexpr std::string_view kNoticeContext = "admin-notice:";

/// The sealed notice of the request, if any (nothing for one sealed under another key or tampered with).
std::optional<std::string> takeNotice(const Context& ctx, const Request& request, Response& response) {
    const auto sealed = request.cookie(noticeCookieName(ctx.web));
    if (!sealed || sealed->empty()) return std::nullopt;
    response.cookie(noticeCookie(ctx.web, "", 0));
    const auto opened = crypto::open(ctx.web.flash_key, *sealed);
    if (!opened || opened->rfind(kNoticeContext, 0) != 0) return std::nullopt;
    return opened->substr(kNoticeContext.size());
}

}  // namespace

Response redirectWithNotice(const Context& ctx, const std::string& path, const std::string& notice) {
    Response res = Response::redirect(ctx.web.public_url + path);
    res.cookie(noticeCookie(ctx.web, crypto::seal(ctx.web.flash_key, std::string(kNoticeContext) + notice),
                               kNoticeSeconds));
    return res;
}

bool isAdminPath(std::string_view path) {
    return path == "/admin" || path.rfind("/admin/", 0) == 0 || path.rfind("/admin.", 0) == 0;
}

void requireAllowedNetwork(const Context& ctx, const Request& request) {
    const auto& allowed = ctx.web.admin_allowed_cidrs;
    if (allowed.empty()) return;
    for (const auto& cidr : allowed)
        if (cidr.contains(request.client_ip)) return;
    throw HttpError(404, "not_found", "There is nothing at this address.");
}

std::optional<OperatorSignedIn> currentOperator(const Context& ctx, const Request& request) {
    const auto token = request.cookie(operatorCookieName(ctx.web));
    if (!token || token->empty()) return std::nullopt;
    return storage::inTransaction(ctx.db, storage::TxMode::Write, [&](storage::Transaction& tx) {
        return domain::admin::resolveOperatorSession(tx, *token, ctx.clock.now(), ctx.web.operators);
    });
}

OperatorSignedIn requireOperator(const Context& ctx, const Request& request, Access access) {
    requireAllowedNetwork(ctx, request);
    auto who = currentOperator(ctx, request);
    if (!who)
        throw HttpError(303, "sign_in_required", "Please sign in to the operator console.")
            .header("Location", ctx.web.public_url + "/admin/login");
    if (access == Access::Change && !who->isAdmin())
        throw HttpError(403, "forbidden", "Your operator role can read the console but not change anything.");
    return *who;
}

ViewData adminPageData(const Context& ctx, const Request& request, Response& response, const std::string& title,
                       const std::optional<OperatorSignedIn>& who, AdminSection section) {
    ViewData d;
    d.set("title", title);
    d.set("request_id", request.request_id);
    d.set("csrf_token", ctx.csrf.tokenFor(csrfBinding(ctx, request, &response)));
    d.set("signed_in", false);
    d.set("admin", true);
    if (who) {
        d.set("operator_signed_in", true);
        d.set("operator_email", who->op.email);
        d.set("operator_role", who->op.role);
        d.set("operator_is_admin", who->isAdmin());
    }
    const std::pair<AdminSection, const char*> nav[] = {
        {AdminSection::Home, "nav_home"},     {AdminSection::Customers, "nav_customers"},
        {AdminSection::Jobs, "nav_jobs"},     {AdminSection::Signups, "nav_signups"},
        {AdminSection::Audit, "nav_audit"},   {AdminSection::Operators, "nav_operators"},
        {AdminSection::Metrics, "nav_metrics"}, {AdminSection::Support, "nav_support"},
        {AdminSection::Alerts, "nav_alerts"}};
    for (const auto& [s, key] : nav)
        if (s == section) d.set(key, true);
    const auto q = request.queryParams();
    if (const auto notice = takeNotice(ctx, request, response))
        d.set("notice", *notice + " The change and its reason are in the audit log.");
    else if (auto it = q.find("done"); it != q.end() && it->second == "1")
        d.set("notice", "Done. The change and its reason are in the audit log.");
    return d;
}

}  // namespace rsolv::http
