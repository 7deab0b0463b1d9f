#include "http/handlers/dashboard_page.h"

#include <ctime>

namespace rsolv::http {

ViewData dashboardData(const Context& ctx, const Request& request, Response& response, const SignedIn& who,
                       const std::string& title, DashboardSection section) {
    ViewData d = pageData(ctx, request, response, title, who);
    d.set("dashboard", true);
    static constexpr std::pair<DashboardSection, const char*> kNav[] = {
        {DashboardSection::Overview, "nav_overview"}, {DashboardSection::Setup, "nav_setup"},
        {DashboardSection::Keys, "nav_keys"},         {DashboardSection::Workflow, "nav_workflow"},
        {DashboardSection::Settings, "nav_settings"},
    };
    for (const auto& [s, name] : kNav) d.set(name, s == section);
    d.set("customer_name", who.customer.name);
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

std::string humanTime(Timestamp t) { return formatUtc(t, "%Y-%m-%d %H:%M UTC"); }
std::string isoTime(Timestamp t) { return formatUtc(t, "%Y-%m-%dT%H:%M:%SZ"); }

void setFieldError(ViewData& data, const Error& error) {
    data.set("has_errors", true);
    data.set(error.field.empty() ? std::string("form_error") : error.field + "_error", error.message);
}

}  // namespace rsolv::http
