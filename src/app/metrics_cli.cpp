#include "app/metrics_cli.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <sstream>

#include "app/cli_parse.h"
#include "app/app.h"
#include "domain/success_report.h"

namespace rsolv::app {
namespace {

std::string pct(const std::optional<double>& r) { return r ? fmt::format("{:.1f} %", *r * 100.0) : "-"; }
std::string ms(const std::optional<std::int64_t>& v) { return v ? fmt::format("{} ms", *v) : "-"; }

std::string verdict(domain::Verdict v, const domain::WindowedShare* s = nullptr) {
    std::string text(domain::toString(v));
    if (v == domain::Verdict::Pending && s)
        text += " until " + domain::reportDate(s->final_at) + fmt::format(" ({} customer(s) still inside the window)",
                                                                           s->pending);
    return text;
}

std::string shareLine(const char* name, const domain::WindowedShare& s, const char* target) {
    return fmt::format("  {:<30} {:>8} ({} of {})   target {:<14} {}\n", name, pct(s.rate), s.done, s.of, target,
                       verdict(s.verdict, &s));
}

void printCohort(std::ostream& out, const std::string& title, const domain::CohortReport& c) {
    out << title << "\n";
    out << fmt::format("  {:<30} {:>8} (provisioned {}, failed {})\n", "signups", c.signups, c.provisioned, c.failed);
    out << fmt::format("  {:<30} {:>8}   target {:<14} {}\n", "success rate", pct(c.success_rate), "> 99 %",
                       verdict(c.success));
    out << fmt::format("  {:<30} {} / {} / {}   target {:<14} {}\n", "provisioning p50 / p95 / p99", ms(c.p50_ms),
                       ms(c.p95_ms), ms(c.p99_ms), "p99 < 5 s", verdict(c.provisioning_time));
    out << shareLine("dashboard visit within 24 h", c.activation, "> 80 %");
    out << shareLine("first fix within 24 h", c.first_fix, "> 60 %");
    out << shareLine("support ticket within 7 days", c.tickets, "< 5 %");
    std::string reasons;
    for (const auto& [reason, n] : c.rejections) reasons += fmt::format("{}{}: {}", reasons.empty() ? "" : ", ", reason, n);
    out << fmt::format("  {:<30} {:>8}{}\n", "rejected (apart)", c.rejected, reasons.empty() ? "" : " (" + reasons + ")");
}

}  // namespace

int runMetricsCommand(const std::vector<std::string>& args, const Config& config, const Clock& clock,
                      std::ostream& out, std::ostream& err) {
    CLI::App cli{"RFC-065's success metrics: rsolv metrics report", "rsolv metrics"};
    cli.require_subcommand(1);
    auto* report = cli.add_subcommand("report", "Signup cohorts against RFC-065's targets");
    std::string since_text, until_text, by_text = "day";
    bool as_json = false;
    report->add_option("--since", since_text, "First day, YYYY-MM-DD (UTC)")->required();
    report->add_option("--until", until_text, "Day after the last, YYYY-MM-DD (UTC); default: tomorrow");
    report->add_option("--by", by_text, "Cohort size: day or week");
    report->add_flag("--json", as_json, "One JSON object (README, \"Success metrics\")");
    if (const auto status = parseCommandLine(cli, args, out, err)) return *status;
    const Timestamp now = clock.now();
    const auto since = domain::parseReportDate(since_text, "--since");
    const auto until = until_text.empty() ? Result<Timestamp>(domain::utcMidnight(now) + std::chrono::hours(24))
                                          : domain::parseReportDate(until_text, "--until");
    const auto by = domain::parseCohortSize(by_text);
    for (const Error* e : {since.ok() ? nullptr : &since.error(), until.ok() ? nullptr : &until.error(),
                           by.ok() ? nullptr : &by.error()})
        if (e) {
            err << "rsolv metrics report: " << e->message << "\n";
            return 2;
        }
    if (since.value() >= until.value()) {
        err << "rsolv metrics report: --until must be after --since\n";
        return 2;
    }
    const auto db = openAndMigrate(config);
    const auto r = domain::successReport(*db, since.value(), until.value(), by.value(), now);
    if (as_json) {
        out << domain::toJson(r).dump(2) << "\n";
        return 0;
    }
    out << "RFC-065 success metrics, signups from " << domain::reportDate(r.since) << " to "
        << domain::reportDate(r.until) << " (exclusive, UTC), by " << by_text << "\n\n";
    printCohort(out, "whole period", r.total);
    for (const auto& c : r.cohorts) {
        out << "\n";
        printCohort(out, (by.value() == domain::CohortSize::Week ? "week of " : "") + domain::reportDate(c.start), c);
    }
    return 0;
}

}  // namespace rsolv::app
