#include "http/usage_chart.h"

#include <algorithm>

#include <fmt/format.h>

namespace rsolv::http {
namespace {

constexpr int kWidth = 560, kHeight = 100, kTop = 4, kBottom = 2;

/// "Nov 30" from "2026-11-30".
std::string shortDay(const std::string& iso) {
    static const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    if (iso.size() != 10) return iso;
    const int month = std::stoi(iso.substr(5, 2));
    const int day = std::stoi(iso.substr(8, 2));
    return fmt::format("{} {}", months[std::clamp(month, 1, 12) - 1], day);
}

std::string summary(const std::vector<domain::DayCount>& days) {
    int total = 0;
    const domain::DayCount* busiest = nullptr;
    for (const auto& d : days) {
        total += d.attempts;
        if (d.attempts > 0 && (!busiest || d.attempts >= busiest->attempts)) busiest = &d;
    }
    std::string text = fmt::format("Fix attempts per day over the last {} days: {} in total", days.size(), total);
    if (busiest) text += fmt::format(", most on {} ({})", shortDay(busiest->day), busiest->attempts);
    return text + ".";
}

}  // namespace

std::string usageChartSvg(const std::vector<domain::DayCount>& days) {
    if (days.empty()) return {};
    int most = 1;
    for (const auto& d : days) most = std::max(most, d.attempts);
    const double slot = double(kWidth) / double(days.size());
    const double bar = std::max(2.0, slot * 0.7);
    const int plot = kHeight - kTop - kBottom;
    std::string svg = fmt::format(
        R"(<svg viewBox="0 0 {} {}" role="img" aria-labelledby="chart-title chart-desc" preserveAspectRatio="none">)"
        R"(<title id="chart-title">Fix attempts per day</title><desc id="chart-desc">{}</desc>)",
        kWidth, kHeight, summary(days));
    for (size_t i = 0; i < days.size(); ++i) {
        const int n = days[i].attempts;
        const double h = n == 0 ? 2.0 : std::max(4.0, double(plot) * n / most);
        svg += fmt::format(R"(<rect class="{}" x="{:.1f}" y="{:.1f}" width="{:.1f}" height="{:.1f}" rx="2"><title>{}: {}</title></rect>)",
                           n == 0 ? "bar-zero" : "bar", slot * double(i) + (slot - bar) / 2, double(kTop + plot) - h,
                           bar, h, shortDay(days[i].day), n);
    }
    svg += fmt::format(R"(<line class="axis" x1="0" y1="{0}" x2="{1}" y2="{0}"/>)", kTop + plot + 1, kWidth);
    svg += "</svg>";
    // The labels are HTML beside the SVG, so they keep their size however wide the chart is drawn.
    return svg + fmt::format(R"(<div class="chart-axis" aria-hidden="true"><span>{}</span><span>{} a day at most</span>)"
                             R"(<span>Today</span></div>)",
                             shortDay(days.front().day), most);
}

}  // namespace rsolv::http
