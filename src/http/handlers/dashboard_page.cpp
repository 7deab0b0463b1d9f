#include "http/handlers/dashboard_page.h"

#include <ctime>

#include "domain/activation.h"
#include "domain/email_verification.h"

namespace rsolv::http {

ViewData dashboardData(const Context& ctx, const Request& request, Response& response, const SignedIn& who,
                       const std::string& title, DashboardSection section) {
    // Issue 13: the first dashboard page a customer is shown is RFC-065's activation; one write per customer.
    const bool visited = storage::inTransaction(ctx.db, storage::TxMode::Read, [&](storage::Transaction& tx) {
        return domain::hasVisitedDashboard(tx, who.customer.id);
    });
    if (!visited)
        storage::inTransaction(ctx.db, storage::TxMode::Write, [&](storage::Transaction& tx) {
            domain::recordDashboardVisit(tx, who.customer.id, ctx.clock.now());
        });
    ViewData d = pageData(ctx, request, response, title, who);
    d.set("dashboard", true);
    static constexpr std::pair<DashboardSection, const char*> kNav[] = {
        {DashboardSection::Overview, "nav_overview"}, {DashboardSection::Setup, "nav_setup"},
        {DashboardSection::Keys, "nav_keys"},         {DashboardSection::Workflow, "nav_workflow"},
        {DashboardSection::Settings, "nav_settings"}, {DashboardSection::Support, "nav_support"},
    };
    for (const auto& [s, name] : kNav) d.set(name, s == section);
    d.set("customer_name", who.customer.name);
    // Issue 9: until the address is proved, a calm notice; after the first proof, the review until it is answered.
    d.set("email_unverified", !who.customer.email_verified_at.has_value());
    if (who.customer.email_verified_at && section != DashboardSection::Review) {
        const bool pending = storage::inTransaction(ctx.db, storage::TxMode::Read, [&](storage::Transaction& tx) {
            return domain::pendingReview(tx, who.customer.id, ctx.clock.now()).has_value();
        });
        d.set("review_pending", pending);
    }
    return d;
}

namespace {
std::string formatUtc(Timestamp t, const char* format) {
    const std::time_t secs = std::chrono::system_clock::to_time_t(std::chrono::time_point_cast<std::chrono::seconds>(t));
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char buf[40];
    std::strftime(buf, sizeof buf, format, &tm);
    return buf;
}
}  // namespace

std::string browserOf(const std::string& ua) {
    std::string browser = "A browser";
    for (const auto& [needle, name] : {std::pair{"Edg/", "Edge"}, std::pair{"Firefox/", "Firefox"},
                                       std::pair{"Chrome/", "Chrome"}, std::pair{"Safari/", "Safari"}})
        if (ua.find(needle) != std::string::npos) {
            browser = name;
            break;
        }
    for (const auto& [needle, os] : {std::pair{"Android", "Android"}, std::pair{"iPhone", "iOS"},
                                     std::pair{"Windows", "Windows"}, std::pair{"Mac OS", "macOS"},
                                     std::pair{"Linux", "Linux"}})
        if (ua.find(needle) != std::string::npos) return browser + " on " + os;
    return browser;
}

std::string humanTime(Timestamp t) { return formatUtc(t, "%Y-%m-%d %H:%M UTC"); }
std::string isoTime(Timestamp t) { return formatUtc(t, "%Y-%m-%dT%H:%M:%SZ"); }

std::string relativeTime(Timestamp t, Timestamp now) {
    using namespace std::chrono;
    const bool future = t > now;
    const auto secs = duration_cast<seconds>(future ? t - now : now - t).count();
    const auto say = [future](long n, const char* one, const char* many) {
        const std::string amount = n == 1 ? std::string(one) : std::to_string(n) + " " + many;
        return future ? "in " + amount : amount + " ago";
    };
    if (secs < 45) return future ? "in a moment" : "just now";
    if (secs < 90) return say(1, "a minute", "minutes");
    if (secs < 3600) return say((secs + 30) / 60, "a minute", "minutes");
    if (secs < 86400) return say((secs + 1800) / 3600, "an hour", "hours");
    const long days = (secs + 43200) / 86400;
    if (days == 1 && !future) return "yesterday";
    if (days < 14) return say(days, "a day", "days");
    return formatUtc(t, "%Y-%m-%d");
}

void setTime(kainjow::mustache::data& row, const std::string& name, Timestamp t, Timestamp now) {
    row.set(name, relativeTime(t, now));
    row.set(name + "_exact", humanTime(t));
    row.set(name + "_iso", isoTime(t));
}

void setFieldError(ViewData& data, const Error& error) {
    data.set("has_errors", true);
    data.set(error.field.empty() ? std::string("form_error") : error.field + "_error", error.message);
}

}  // namespace rsolv::http
