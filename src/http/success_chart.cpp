#include "http/success_chart.h"

#include <fmt/format.h>

namespace rsolv::http {
namespace {

constexpr double kLeft = 44, kRight = 8, kTop = 12, kBottom = 34, kPlotHeight = 180;

std::string escapeXml(const std::string& s) {
    std::string out;
    for (char c : s) switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            default: out += c;
        }
    return out;
}

struct Series {
    const char* name;
    const char* css;  ///< class of its bars
    int target;
    const domain::WindowedShare domain::CohortReport::*share;
};
constexpr Series kSeries[] = {
    {"Dashboard visit within 24 h", "bar-activation", 80, &domain::CohortReport::activation},
    {"First fix within 24 h", "bar-first-fix", 60, &domain::CohortReport::first_fix},
    {"Support ticket within 7 days", "bar-ticket", 5, &domain::CohortReport::tickets},
};
constexpr const char* kColours[] = {"#1d6fb8", "#2e8540", "#b35900"};

double yOf(double percent) { return kTop + kPlotHeight * (1.0 - percent / 100.0); }

}  // namespace

std::string successChartSvg(const domain::SuccessReport& report, const std::string& table_id) {
    const std::size_t n = std::max<std::size_t>(report.cohorts.size(), 1);
    const double group = std::max(36.0, 480.0 / double(n));
    const double width = kLeft + kRight + group * double(n);
    const double height = kTop + kPlotHeight + kBottom + 24;
    std::string svg = fmt::format(
        "<svg class=\"success-chart\" role=\"img\" aria-labelledby=\"chart-title chart-desc\" viewBox=\"0 0 {:.0f} "
        "{:.0f}\" width=\"100%\" preserveAspectRatio=\"xMinYMin meet\" xmlns=\"http://www.w3.org/2000/svg\">",
        width, height);
    svg += "<title id=\"chart-title\">Activation, first fix and support tickets by signup cohort</title>";
    svg += "<desc id=\"chart-desc\">Bars show, for each cohort, the share of provisioned customers who visited the "
           "dashboard within 24 hours (target above 80 %), started a first fix within 24 hours (target above 60 %) "
           "and opened a support ticket within 7 days (target below 5 %). Lighter bars are still pending. The table "
           "with id " + escapeXml(table_id) + " lists the same numbers.</desc>";
    for (int p = 0; p <= 100; p += 25)
        svg += fmt::format("<line x1=\"{:.0f}\" x2=\"{:.0f}\" y1=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"#ddd\"/>"
                           "<text x=\"{:.0f}\" y=\"{:.1f}\" font-size=\"10\" text-anchor=\"end\" fill=\"#444\">{} %"
                           "</text>",
                           kLeft, width - kRight, yOf(p), yOf(p), kLeft - 4, yOf(p) + 3, p);
    const double bar = (group - 8) / 3.0;
    for (std::size_t i = 0; i < report.cohorts.size(); ++i) {
        const auto& c = report.cohorts[i];
        const double x0 = kLeft + group * double(i) + 4;
        for (std::size_t s = 0; s < 3; ++s) {
            const auto& share = c.*(kSeries[s].share);
            if (!share.rate) continue;
            const double pct = *share.rate * 100.0;
            const bool pending = share.verdict == domain::Verdict::Pending;
            svg += fmt::format(
                "<rect class=\"{}\" x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" fill=\"{}\"{}>"
                "<title>{}: {}, {:.1f} % ({})</title></rect>",
                kSeries[s].css, x0 + bar * double(s), yOf(pct), std::max(bar - 1, 1.0), kTop + kPlotHeight - yOf(pct),
                kColours[s], pending ? " fill-opacity=\"0.4\"" : "", domain::reportDate(c.start), kSeries[s].name, pct,
                domain::toString(share.verdict));
        }
        svg += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" font-size=\"10\" text-anchor=\"middle\" fill=\"#222\">{}"
                           "</text>",
                           x0 + (group - 8) / 2, kTop + kPlotHeight + 14, domain::reportDate(c.start).substr(5));
    }
    for (std::size_t s = 0; s < 3; ++s) {
        svg += fmt::format("<line x1=\"{:.0f}\" x2=\"{:.0f}\" y1=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"{}\" "
                           "stroke-dasharray=\"4 3\"/>",
                           kLeft, width - kRight, yOf(kSeries[s].target), yOf(kSeries[s].target), kColours[s]);
        const double lx = kLeft + double(s) * (width - kLeft) / 3.0;
        svg += fmt::format("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"10\" height=\"10\" fill=\"{}\"/>"
                           "<text x=\"{:.1f}\" y=\"{:.1f}\" font-size=\"10\" fill=\"#222\">{}</text>",
                           lx, height - 14, kColours[s], lx + 13, height - 5, kSeries[s].name);
    }
    svg += "</svg>";
    return svg;
}

}  // namespace rsolv::http
