// Issue 13, ground truth: a scripted cohort of 1,052 signup attempts over four days, on the manual clock, with known
// behaviour (who visits the dashboard within 24 h and who only after 30 h, who starts a first fix in time and who
// late, who opens a support ticket within 7 days and who after 8, injected provisioning failures and scripted
// provisioning times, rejections by reason), checked against `rsolv metrics report --json` exactly, twice: while some
// windows are still open (pending) and after every window has closed. The first 24 attempts, and two bots, go
// through the real server (signup form, dashboard, API, support form); the rest call the same domain functions.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <sstream>

#include "app/metrics_cli.h"
#include "domain/activation.h"
#include "domain/fix_attempts.h"
#include "domain/success_report.h"
#include "domain/support_tickets.h"
#include "integration/admin_test_helpers.h"
#include "integration/dashboard_test_helpers.h"

namespace rsolv::test {
namespace {

using namespace std::chrono;

constexpr int kPerDay = 263;
constexpr int kDays = 4;
constexpr int kHttpSample = 24;
const Timestamp kFirstDay = Timestamp(sys_days{year{2026} / 11 / 24});  // a Tuesday (testEpoch's day)

/// What the script did to one signup attempt, and so what the report must say.
struct Attempt {
    int i = 0;
    Timestamp at;
    bool fails = false;
    std::int64_t duration_ms = 0;
    std::optional<Timestamp> visit, fix, ticket;
    std::int64_t customer_id = 0;
    std::unique_ptr<Customer> http;  ///< the browser of a signup made through the server
};

struct Rejection {
    Timestamp at;
    std::string reason;
};

enum class Act { Signup, Visit, Fix, Ticket, Duplicate, Invalid, Disposable, Bot };
struct Step {
    Timestamp at;
    Act act;
    int i = 0;
};

/// The smallest value with at least p % of the values at or below it.
std::int64_t nearestRank(std::vector<std::int64_t> v, int p) {
    std::sort(v.begin(), v.end());
    std::size_t rank = 1;
    while (rank * 100 < std::size_t(p) * v.size()) ++rank;
    return v[rank - 1];
}

std::string day(Timestamp t) { return domain::reportDate(t); }

class SuccessMetricsTruth : public ::testing::TestWithParam<Backend> {
protected:
    TestApp app_{GetParam(), dashboardConfig([](app::Config& c) {
                     c.signups_per_ip_per_hour = 1000000;  // only the per-email limit is scripted
                     c.signups_per_email_per_day = 3;
                     c.unverified_fix_limit = 1000;
                 })};
    std::vector<Attempt> attempts_;
    std::vector<Rejection> rejections_;
    std::map<int, std::string> emails_;
    std::int64_t next_delay_ms_ = 0;
    bool fail_next_ = false;

    std::string email(int i) { return "cohort" + std::to_string(i) + "@example.com"; }

    void script() {
        for (int i = 0; i < kPerDay * kDays; ++i) {
            Attempt a;
            a.i = i;
            const int d = i / kPerDay, k = i % kPerDay;
            a.at = kFirstDay + hours(24 * d) + hours(9) + minutes(2 * k);
            a.fails = i % 97 == 13;
            a.duration_ms = i % 211 == 5 ? 6000 : 100 + (i * 37) % 900;
            if (!a.fails) {
                switch (i % 10) {
                    case 7: a.visit = a.at + hours(24); break;  // the last moment that counts
                    case 8: a.visit = a.at + hours(30); break;  // too late
                    case 9: break;                              // never
                    default: a.visit = a.at + minutes(10) + seconds(i % 60);
                }
                if (i % 5 < 3) a.fix = a.at + hours(2);
                else if (i % 5 == 3) a.fix = a.at + hours(26);
                // In the server's sample, within the signup's session (idle timeout 30 minutes).
                if (i % 23 == 0) a.ticket = a.at + (i < kHttpSample ? minutes(20) : hours(24 * 3));
                else if (i % 41 == 7) a.ticket = a.at + hours(24 * 8);
            }
            attempts_.push_back(std::move(a));
        }
    }

    std::vector<Step> timeline() {
        std::vector<Step> steps;
        for (const auto& a : attempts_) {
            steps.push_back({a.at, Act::Signup, a.i});
            if (a.visit) steps.push_back({*a.visit, Act::Visit, a.i});
            if (a.fix) steps.push_back({*a.fix, Act::Fix, a.i});
            if (a.ticket) steps.push_back({*a.ticket, Act::Ticket, a.i});
        }
        for (int d = 0; d < kDays; ++d) {
            const Timestamp base = kFirstDay + hours(24 * d) + hours(19);
            const int owner = d * kPerDay + 1;  // its signup (one of this day's) counts in the same 24 h window
            for (int n = 0; n < 5; ++n) steps.push_back({base + minutes(n) + seconds(30), Act::Duplicate, owner});
            for (int n = 0; n < 3; ++n) steps.push_back({base + minutes(10 + n) + seconds(30), Act::Invalid, n});
            for (int n = 0; n < 2; ++n) steps.push_back({base + minutes(20 + n) + seconds(30), Act::Disposable, n});
        }
        steps.push_back({kFirstDay + hours(8), Act::Bot, 0});
        steps.push_back({kFirstDay + hours(8) + minutes(1), Act::Bot, 1});
        std::stable_sort(steps.begin(), steps.end(), [](const Step& a, const Step& b) { return a.at < b.at; });
        return steps;
    }

    domain::SignupRequest request(const std::string& mail, int i) {
        domain::SignupRequest r;
        r.email = mail;
        r.name = "Cohort " + std::to_string(i);
        r.client_ip = "10.1." + std::to_string(i / 250) + "." + std::to_string(i % 250);
        r.start_session = false;
        return r;
    }

    void signUp(Attempt& a) {
        fail_next_ = a.fails;
        next_delay_ms_ = a.duration_ms;
        const std::string mail = email(a.i);
        if (a.i < kHttpSample) {
            auto c = std::make_unique<Customer>(Customer{mail, "", 0, HttpClient(app_.port(), app_.publicUrl())});
            const auto res = c->browser.signup(mail, "Cohort " + std::to_string(a.i), "");
            if (a.fails) {
                EXPECT_EQ(res.status, 500) << "injected failure of attempt " << a.i;
                return;
            }
            ASSERT_EQ(res.status, 303) << res.body.substr(0, 300);
            c->key = findApiKey(c->browser.get("/welcome").body);
            c->id = customerByEmail(app_, mail).id;
            a.customer_id = c->id;
            a.http = std::move(c);
            return;
        }
        if (a.fails) {
            EXPECT_THROW(app_.app().provisioning().provisionFromSignup(request(mail, a.i)),
                         std::runtime_error);
            return;
        }
        const auto out = app_.app().provisioning().provisionFromSignup(request(mail, a.i));
        ASSERT_EQ(out.status, domain::SignupOutcome::Status::Provisioned) << "attempt " << a.i;
        a.customer_id = out.customer_id;
    }

    /// A rejected attempt: the outcome the script expects, then the reason the report must show.
    void reject(const Step& s) {
        next_delay_ms_ = 0;
        fail_next_ = false;
        auto& p = app_.app().provisioning();
        const Timestamp now = app_.clock().now();
        switch (s.act) {
            case Act::Duplicate: {
                const auto out = p.provisionFromSignup(request(email(s.i), 1000 + int(rejections_.size())));
                const bool limited = out.status == domain::SignupOutcome::Status::RateLimited;
                EXPECT_TRUE(limited || out.status == domain::SignupOutcome::Status::Duplicate);
                rejections_.push_back({now, limited ? "rate_limited" : "duplicate"});
                return;
            }
            case Act::Invalid:
                EXPECT_EQ(p.provisionFromSignup(request("not-an-address", 1)).status,
                          domain::SignupOutcome::Status::Invalid);
                rejections_.push_back({now, "invalid"});
                return;
            case Act::Disposable: {
                const auto out = p.provisionFromSignup(request("someone@0-mail.com", 2));
                EXPECT_EQ(domain::signupOutcomeLabel(out), "disposable");
                rejections_.push_back({now, "disposable"});
                return;
            }
            case Act::Bot: {
                HttpClient bot(app_.port(), app_.publicUrl());
                const std::string token = bot.csrfToken("/signup");
                const auto r = bot.postForm("/signup", {{"csrf_token", token}, {"email", "bot@example.com"},
                                                        {"name", "Bot"}, {"website", "http://spam.example"}});
                EXPECT_NE(r.status, 303) << "a filled honeypot opens no account";
                rejections_.push_back({now, "bot_suspected"});
                return;
            }
            default:
                return;
        }
    }

    /// Later behaviour: through the server for the sample when the signup's session still lives, else the domain.
    void behave(const Step& s, storage::Transaction* tx) {
        Attempt& a = attempts_[std::size_t(s.i)];
        const Timestamp now = app_.clock().now();
        // The API needs no session; pages need the signup's session, alive for 30 idle minutes.
        const bool http = a.http && (s.act == Act::Fix || now - a.at < minutes(30));
        if (http) {
            switch (s.act) {
                case Act::Visit:
                    ASSERT_EQ(a.http->browser.get("/dashboard/setup").status, 200);
                    return;
                case Act::Fix:
                    startFixAttempt(app_, a.http->key, "acme/app");
                    return;
                case Act::Ticket: {
                    const auto sent = submitForm(a.http->browser, "/dashboard/support", "/dashboard/support",
                                                 {{"subject", "Help"}, {"message", "Please"}});
                    ASSERT_EQ(sent.status, 303) << sent.body.substr(0, 300);
                    return;
                }
                default:
                    return;
            }
        }
        if (!tx) {
            storage::inTransaction(app_.db(), storage::TxMode::Write,
                                   [&](storage::Transaction& own) { behave(s, &own); });
            return;
        }
        switch (s.act) {
            case Act::Visit:
                domain::recordDashboardVisit(*tx, a.customer_id, now);
                return;
            case Act::Fix: {
                const auto key = tx->exec(storage::Query{"SELECT id FROM api_keys WHERE customer_id = $1",
                                                         "SELECT id FROM api_keys WHERE customer_id = ?1"},
                                          {a.customer_id});
                const auto input = domain::parseFixAttemptInput({{"repository", "acme/app"}, {"reference", "main"}});
                ASSERT_TRUE(input.ok());
                ASSERT_TRUE(
                    domain::startFixAttempt(*tx, {key.front().i64("id"), a.customer_id}, input.value(), now, 1000).ok());
                return;
            }
            case Act::Ticket: {
                const auto out = domain::openSupportTicket(*tx, app_.app().context().limiter, a.customer_id, "Help",
                                                           "Please", now, {});
                ASSERT_EQ(out.status, domain::TicketOutcome::Status::Opened);
                return;
            }
            default:
                return;
        }
    }

    /// Runs the timeline up to `until`, moving the clock to each step; consecutive domain-only steps share a
    /// transaction (fast), each still at its own time.
    void run(std::vector<Step>& steps, std::size_t& next, Timestamp until) {
        while (next < steps.size() && steps[next].at <= until) {
            const Step& s = steps[next];
            const bool batchable = (s.act == Act::Visit || s.act == Act::Fix || s.act == Act::Ticket) &&
                                   !attempts_[std::size_t(s.i)].http && attempts_[std::size_t(s.i)].customer_id;
            if (!batchable) {
                app_.clock().set(s.at);
                if (s.act == Act::Signup) signUp(attempts_[std::size_t(s.i)]);
                else if (s.act == Act::Visit || s.act == Act::Fix || s.act == Act::Ticket) {
                    if (attempts_[std::size_t(s.i)].customer_id) behave(s, nullptr);
                } else reject(s);
                ++next;
                continue;
            }
            storage::inTransaction(app_.db(), storage::TxMode::Write, [&](storage::Transaction& tx) {
                for (int n = 0; n < 200 && next < steps.size() && steps[next].at <= until; ++n, ++next) {
                    const Step& b = steps[next];
                    const Attempt& a = attempts_[std::size_t(b.i)];
                    if (!((b.act == Act::Visit || b.act == Act::Fix || b.act == Act::Ticket) && !a.http &&
                          a.customer_id))
                        break;
                    app_.clock().set(b.at);
                    behave(b, &tx);
                }
            });
        }
        app_.clock().set(until);
    }

    /// The report the script implies, computed from the ledger alone, in the JSON the CLI prints.
    nlohmann::json truth(Timestamp since, Timestamp until, Duration cohort, Timestamp now) {
        nlohmann::json cohorts = nlohmann::json::array();
        for (Timestamp start = since; start < until; start += cohort)
            cohorts.push_back(truthOf(start, std::min(start + cohort, until), now));
        return {{"cohorts", cohorts}, {"total", truthOf(since, until, now)}};
    }

    nlohmann::json truthOf(Timestamp start, Timestamp end, Timestamp now) {
        std::int64_t provisioned = 0, failed = 0;
        std::vector<std::int64_t> ms;
        struct Share {
            std::int64_t done = 0, pending = 0;
        } visit, fix, ticket;
        const auto count = [&](Share& s, const std::optional<Timestamp>& at, Timestamp signup, Duration window) {
            if (at && *at <= now && *at - signup <= window) ++s.done;
            else if (now <= signup + window) ++s.pending;
        };
        for (const auto& a : attempts_) {
            if (a.at < start || a.at >= end) continue;
            if (a.fails) {
                ++failed;
                continue;
            }
            ++provisioned;
            ms.push_back(a.duration_ms);
            count(visit, a.visit, a.at, hours(24));
            count(fix, a.fix, a.at, hours(24));
            count(ticket, a.ticket, a.at, hours(24 * 7));
        }
        std::map<std::string, std::int64_t> reasons;
        std::int64_t rejected = 0;
        for (const auto& r : rejections_)
            if (r.at >= start && r.at < end) {
                ++reasons[r.reason];
                ++rejected;
            }
        const std::int64_t signups = provisioned + failed;
        const auto verdict = [&](const Share& s, int pct, bool higher) -> std::string {
            if (provisioned == 0) return "no_data";
            if (s.pending > 0) return "pending";
            const bool met = higher ? s.done * 100 > pct * provisioned : s.done * 100 < pct * provisioned;
            return met ? "met" : "missed";
        };
        const auto share = [&](const Share& s, int pct, bool higher) {
            return nlohmann::json{{"done", s.done}, {"pending", s.pending}, {"of", provisioned},
                                  {"verdict", verdict(s, pct, higher)}};
        };
        nlohmann::json j = {{"start", day(start)},
                            {"end", day(end)},
                            {"signups", signups},
                            {"provisioned", provisioned},
                            {"failed", failed},
                            {"success_verdict", signups == 0                          ? "no_data"
                                                : provisioned * 100 > 99 * signups    ? "met"
                                                                                      : "missed"},
                            {"activation_24h", share(visit, 80, true)},
                            {"first_fix_24h", share(fix, 60, true)},
                            {"support_ticket_7d", share(ticket, 5, false)},
                            {"rejections", {{"total", rejected}, {"by_reason", reasons}}}};
        if (!ms.empty()) {
            j["p50"] = nearestRank(ms, 50);
            j["p95"] = nearestRank(ms, 95);
            j["p99"] = nearestRank(ms, 99);
            j["time_verdict"] = nearestRank(ms, 99) < 5000 ? "met" : "missed";
        }
        return j;
    }

    /// The report's fields that the truth covers, in the truth's shape.
    static nlohmann::json observed(const nlohmann::json& c) {
        const auto share = [](const nlohmann::json& s) {
            return nlohmann::json{{"done", s["done"]}, {"pending", s["pending"]}, {"of", s["of"]},
                                  {"verdict", s["verdict"]}};
        };
        nlohmann::json j = {{"start", c["start"]},
                            {"end", c["end"]},
                            {"signups", c["signups"]},
                            {"provisioned", c["provisioned"]},
                            {"failed", c["failed"]},
                            {"success_verdict", c["success_rate"]["verdict"]},
                            {"activation_24h", share(c["activation_24h"])},
                            {"first_fix_24h", share(c["first_fix_24h"])},
                            {"support_ticket_7d", share(c["support_ticket_7d"])},
                            {"rejections", c["rejections"]}};
        if (!c["provisioning_ms"]["p99"].is_null()) {
            j["p50"] = c["provisioning_ms"]["p50"];
            j["p95"] = c["provisioning_ms"]["p95"];
            j["p99"] = c["provisioning_ms"]["p99"];
            j["time_verdict"] = c["provisioning_ms"]["verdict"];
        }
        return j;
    }

    nlohmann::json cliReport(const std::string& since, const std::string& until, const std::string& by) {
        std::ostringstream out, err;
        const int code = app::runMetricsCommand({"report", "--since", since, "--until", until, "--by", by, "--json"},
                                                app_.config(), app_.clock(), out, err);
        EXPECT_EQ(code, 0) << err.str();
        return nlohmann::json::parse(out.str());
    }

    void expectReportEqualsTruth(const std::string& when) {
        const Timestamp now = app_.clock().now();
        const auto by_day = cliReport("2026-11-24", "2026-11-28", "day");
        const auto expected_days = truth(kFirstDay, kFirstDay + hours(24 * kDays), hours(24), now);
        ASSERT_EQ(by_day["cohorts"].size(), std::size_t(kDays));
        for (std::size_t d = 0; d < std::size_t(kDays); ++d)
            EXPECT_EQ(observed(by_day["cohorts"][d]), expected_days["cohorts"][d]) << when << ", day " << d;
        EXPECT_EQ(observed(by_day["total"]), expected_days["total"]) << when << ", total";
        // One week cohort, Monday to Monday, holds the same four days.
        const Timestamp monday = kFirstDay - hours(24);
        const auto by_week = cliReport("2026-11-23", "2026-11-30", "week");
        ASSERT_EQ(by_week["cohorts"].size(), 1u);
        EXPECT_EQ(observed(by_week["cohorts"][0]), truthOf(monday, monday + hours(24 * 7), now)) << when << ", week";
    }
};

TEST_P(SuccessMetricsTruth, ReportEqualsTheScriptedCohort) {
    script();
    app_.app().provisioning().setStepObserver([this](std::string_view step) {
        if (step == "create_customer" && fail_next_) throw std::runtime_error("injected provisioning failure");
        if (step == "complete") app_.clock().advance(milliseconds(next_delay_ms_));
    });
    auto steps = timeline();
    std::size_t next = 0;

    // The day after the last signups: the last cohort's 24 h windows are still open, every 7-day window too.
    run(steps, next, kFirstDay + hours(24 * kDays) + hours(12));
    const auto pending = cliReport("2026-11-24", "2026-11-28", "day");
    EXPECT_EQ(pending["cohorts"][3]["activation_24h"]["verdict"], "pending");
    EXPECT_EQ(pending["cohorts"][0]["support_ticket_7d"]["verdict"], "pending");
    EXPECT_NE(pending["cohorts"][0]["activation_24h"]["verdict"], "pending") << "day 0's 24 h windows have closed";
    expectReportEqualsTruth("while windows are open");

    // Nine days later every window has closed and every late action has happened.
    run(steps, next, kFirstDay + hours(24 * (kDays + 9)));
    ASSERT_EQ(next, steps.size());
    expectReportEqualsTruth("after every window closed");
    const auto final_report = cliReport("2026-11-24", "2026-11-28", "day");
    EXPECT_EQ(final_report["total"]["provisioned"], kPerDay * kDays - 11);

    // The console shows the same totals, with its chart.
    Operator viewer = signInOperator(app_, "viewer@rsolv.dev", "viewer");
    const auto page = viewer.browser.get("/admin/metrics?since=2026-11-24&until=2026-11-28&by=day");
    ASSERT_EQ(page.status, 200) << page.body.substr(0, 300);
    const std::string targets = elementById(page.body, "table", "targets");
    EXPECT_TRUE(contains(targets, "(" + std::to_string(final_report["total"]["activation_24h"]["done"].get<int>()) +
                                      " of " + std::to_string(kPerDay * kDays - 11) + ")"))
        << targets;
    EXPECT_TRUE(contains(page.body, "<svg class=\"success-chart\" role=\"img\"")) << "the chart";
    EXPECT_EQ(tbodyRows(elementById(page.body, "table", "cohort-table")).size(), std::size_t(kDays));
}

INSTANTIATE_TEST_SUITE_P(Backends, SuccessMetricsTruth, kBothBackends, backendName);

}  // namespace
}  // namespace rsolv::test
