#include "domain/success_report.h"

#include <algorithm>
#include <charconv>
#include <cstdio>

namespace rsolv::domain {
namespace {

using namespace std::chrono;
namespace target = success_target;

// Howard Hinnant's civil calendar algorithms (days since 1970-01-01 <-> y/m/d), proleptic Gregorian.
std::int64_t daysFromCivil(std::int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

void civilFromDays(std::int64_t z, std::int64_t& y, unsigned& m, unsigned& d) {
    z += 719468;
    const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    d = doy - (153 * mp + 2) / 5 + 1;
    m = mp < 10 ? mp + 3 : mp - 9;
    y = static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2);
}

std::int64_t dayNumber(Timestamp t) { return floor<days>(t.time_since_epoch()).count(); }
Timestamp dayStart(std::int64_t day) { return Timestamp(duration_cast<Timestamp::duration>(days(day))); }

/// The start of the cohort after the one that starts at or contains `t`.
Timestamp nextBoundary(Timestamp t, CohortSize by) {
    const std::int64_t day = dayNumber(t);
    if (by == CohortSize::Day) return dayStart(day + 1);
    const std::int64_t monday = day - (day + 3) % 7;  // 1970-01-01 was a Thursday
    return dayStart(monday + 7);
}

/// Nearest rank: the smallest value with at least p % of the values at or below it.
std::int64_t percentile(const std::vector<std::int64_t>& sorted, int p) {
    const std::size_t n = sorted.size();
    const std::size_t rank = (static_cast<std::size_t>(p) * n + 99) / 100;
    return sorted[std::max<std::size_t>(rank, 1) - 1];
}

enum class Better { Higher, Lower };

Verdict judge(std::int64_t done, std::int64_t of, int percent, Better better) {
    if (of == 0) return Verdict::NoData;
    const bool met = better == Better::Higher ? done * 100 > std::int64_t(percent) * of
                                              : done * 100 < std::int64_t(percent) * of;
    return met ? Verdict::Met : Verdict::Missed;
}

using EventOf = std::optional<Timestamp> storage::ProvisionedSignup::*;

WindowedShare share(const std::vector<const storage::ProvisionedSignup*>& signups, EventOf event, Duration window,
                    int percent, Better better, Timestamp now) {
    WindowedShare s;
    s.of = static_cast<std::int64_t>(signups.size());
    std::optional<Timestamp> last_open;
    for (const auto* p : signups) {
        const auto& at = p->*event;
        if (at && *at - p->signed_up_at <= window) {
            ++s.done;
        } else if (now <= p->signed_up_at + window) {
            ++s.pending;
            last_open = std::max(last_open.value_or(p->signed_up_at + window), p->signed_up_at + window);
        }
    }
    if (s.of > 0) s.rate = double(s.done) / double(s.of);
    s.verdict = s.pending > 0 ? Verdict::Pending : judge(s.done, s.of, percent, better);
    if (last_open) s.final_at = *last_open;
    return s;
}

struct CohortFacts {
    std::vector<const storage::ProvisionedSignup*> provisioned;
    std::int64_t failed = 0;
    std::map<std::string, std::int64_t> rejections;
};

CohortReport summarise(Timestamp start, Timestamp end, const CohortFacts& f, Timestamp now) {
    CohortReport c;
    c.start = start;
    c.end = end;
    c.provisioned = static_cast<std::int64_t>(f.provisioned.size());
    c.failed = f.failed;
    c.signups = c.provisioned + c.failed;
    if (c.signups > 0) c.success_rate = double(c.provisioned) / double(c.signups);
    c.success = judge(c.provisioned, c.signups, target::kSuccessPercent, Better::Higher);
    if (c.provisioned > 0) {
        std::vector<std::int64_t> ms;
        ms.reserve(f.provisioned.size());
        for (const auto* p : f.provisioned) ms.push_back(p->duration_ms);
        std::sort(ms.begin(), ms.end());
        c.p50_ms = percentile(ms, 50);
        c.p95_ms = percentile(ms, 95);
        c.p99_ms = percentile(ms, 99);
        c.provisioning_time = *c.p99_ms < target::kProvisioningP99Ms ? Verdict::Met : Verdict::Missed;
    }
    c.activation = share(f.provisioned, &storage::ProvisionedSignup::first_dashboard_visit, target::kActivationWindow,
                         target::kActivationPercent, Better::Higher, now);
    c.first_fix = share(f.provisioned, &storage::ProvisionedSignup::first_fix_attempt, target::kFirstFixWindow,
                        target::kFirstFixPercent, Better::Higher, now);
    c.tickets = share(f.provisioned, &storage::ProvisionedSignup::first_ticket, target::kTicketWindow,
                      target::kTicketPercent, Better::Lower, now);
    c.rejections = f.rejections;
    for (const auto& [reason, n] : f.rejections) c.rejected += n;
    return c;
}

}  // namespace

std::string_view toString(Verdict v) {
    switch (v) {
        case Verdict::Met: return "met";
        case Verdict::Missed: return "missed";
        case Verdict::Pending: return "pending";
        case Verdict::NoData: return "no_data";
    }
    return "no_data";
}

Timestamp utcMidnight(Timestamp t) { return dayStart(dayNumber(t)); }

std::string reportDate(Timestamp t) {
    std::int64_t y = 0;
    unsigned m = 0, d = 0;
    civilFromDays(dayNumber(t), y, m, d);
    char buf[32];
    std::snprintf(buf, sizeof buf, "%04lld-%02u-%02u", static_cast<long long>(y), m, d);
    return buf;
}

Result<Timestamp> parseReportDate(std::string_view text, std::string_view field) {
    const Error bad{"invalid_date", std::string(field), std::string(field) + " must be a date as YYYY-MM-DD (UTC)"};
    if (text.size() != 10 || text[4] != '-' || text[7] != '-') return bad;
    int y = 0, m = 0, d = 0;
    const auto num = [&](std::size_t from, std::size_t len, int& out) {
        const auto r = std::from_chars(text.data() + from, text.data() + from + len, out);
        return r.ec == std::errc() && r.ptr == text.data() + from + len;
    };
    if (!num(0, 4, y) || !num(5, 2, m) || !num(8, 2, d) || y < 1970 || m < 1 || m > 12 || d < 1) return bad;
    const std::int64_t day = daysFromCivil(y, unsigned(m), unsigned(d));
    std::int64_t yy = 0;
    unsigned mm = 0, dd = 0;
    civilFromDays(day, yy, mm, dd);
    if (yy != y || int(mm) != m || int(dd) != d) return bad;  // 2026-02-30
    return dayStart(day);
}

Result<CohortSize> parseCohortSize(std::string_view text) {
    if (text == "day") return CohortSize::Day;
    if (text == "week") return CohortSize::Week;
    return Error{"invalid_cohort", "by", "by must be day or week"};
}

SuccessReport buildSuccessReport(const SignupFacts& facts, Timestamp since, Timestamp until, CohortSize by,
                                 Timestamp now) {
    SuccessReport r;
    r.since = since;
    r.until = until;
    r.by = by;
    r.generated_at = now;
    std::vector<Timestamp> starts;
    for (Timestamp s = since; s < until; s = nextBoundary(s, by)) starts.push_back(s);
    std::vector<CohortFacts> cohorts(starts.size());
    CohortFacts all;
    const auto indexOf = [&](Timestamp t) -> std::optional<std::size_t> {
        if (t < since || t >= until) return std::nullopt;
        return static_cast<std::size_t>(std::upper_bound(starts.begin(), starts.end(), t) - starts.begin() - 1);
    };
    for (const auto& p : facts.provisioned)
        if (auto i = indexOf(p.signed_up_at)) {
            cohorts[*i].provisioned.push_back(&p);
            all.provisioned.push_back(&p);
        }
    for (const auto& t : facts.failed)
        if (auto i = indexOf(t)) {
            ++cohorts[*i].failed;
            ++all.failed;
        }
    for (const auto& rej : facts.rejections) {
        const auto day = parseReportDate(rej.day, "day");
        if (!day.ok()) continue;
        if (auto i = indexOf(day.value())) {
            cohorts[*i].rejections[rej.reason] += rej.count;
            all.rejections[rej.reason] += rej.count;
        }
    }
    for (std::size_t i = 0; i < starts.size(); ++i)
        r.cohorts.push_back(
            summarise(starts[i], i + 1 < starts.size() ? starts[i + 1] : until, cohorts[i], now));
    r.total = summarise(since, until, all, now);
    return r;
}

SuccessReport successReport(storage::Database& db, Timestamp since, Timestamp until, CohortSize by, Timestamp now) {
    const SignupFacts facts = storage::inTransaction(db, storage::TxMode::Read, [&](storage::Transaction& tx) {
        storage::SuccessMetricsRepository repo(tx);
        return SignupFacts{repo.provisioned(since, until), repo.failures(since, until), repo.rejections(since, until)};
    });
    return buildSuccessReport(facts, since, until, by, now);
}

namespace {

std::string isoUtc(Timestamp t) {
    const auto secs = floor<seconds>(t);
    return reportDate(t) + "T" + [&] {
        const auto s = (secs - floor<days>(secs)).count();
        char buf[16];
        std::snprintf(buf, sizeof buf, "%02lld:%02lld:%02lldZ", static_cast<long long>(s / 3600),
                      static_cast<long long>(s / 60 % 60), static_cast<long long>(s % 60));
        return std::string(buf);
    }();
}

nlohmann::json optional(const std::optional<double>& v) { return v ? nlohmann::json(*v) : nlohmann::json(nullptr); }
nlohmann::json optional(const std::optional<std::int64_t>& v) {
    return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

nlohmann::json shareJson(const WindowedShare& s, const char* target) {
    nlohmann::json j = {{"done", s.done},     {"pending", s.pending},
                        {"of", s.of},         {"rate", optional(s.rate)},
                        {"target", target},   {"verdict", toString(s.verdict)}};
    j["final_at"] = s.pending > 0 ? nlohmann::json(isoUtc(s.final_at)) : nlohmann::json(nullptr);
    return j;
}

nlohmann::json cohortJson(const CohortReport& c) {
    return {{"start", reportDate(c.start)},
            {"end", reportDate(c.end)},
            {"signups", c.signups},
            {"provisioned", c.provisioned},
            {"failed", c.failed},
            {"success_rate", {{"value", optional(c.success_rate)}, {"target", "> 99 %"}, {"verdict", toString(c.success)}}},
            {"provisioning_ms",
             {{"p50", optional(c.p50_ms)},
              {"p95", optional(c.p95_ms)},
              {"p99", optional(c.p99_ms)},
              {"target", "p99 < 5000 ms"},
              {"verdict", toString(c.provisioning_time)}}},
            {"activation_24h", shareJson(c.activation, "> 80 %")},
            {"first_fix_24h", shareJson(c.first_fix, "> 60 %")},
            {"support_ticket_7d", shareJson(c.tickets, "< 5 %")},
            {"rejections", {{"total", c.rejected}, {"by_reason", c.rejections}}}};
}

}  // namespace

nlohmann::json toJson(const SuccessReport& report) {
    nlohmann::json cohorts = nlohmann::json::array();
    for (const auto& c : report.cohorts) cohorts.push_back(cohortJson(c));
    return {{"since", reportDate(report.since)},
            {"until", reportDate(report.until)},
            {"by", report.by == CohortSize::Day ? "day" : "week"},
            {"generated_at", isoUtc(report.generated_at)},
            {"cohorts", cohorts},
            {"total", cohortJson(report.total)}};
}

}  // namespace rsolv::domain
