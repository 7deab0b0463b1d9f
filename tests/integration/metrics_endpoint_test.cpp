// GET /metrics on its own listener after real traffic: what an operator's Prometheus would read.
#include <gtest/gtest.h>

#include <Poco/URI.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "domain/provisioning.h"
#include "integration/signup_test_helpers.h"
#include "support/child_process.h"
#include "support/test_app.h"

namespace rsolv::test {
namespace {

std::function<void(app::Config&)> metricsConfig() {
    return signupConfig([](app::Config& c) {
        c.metrics_listen = "127.0.0.1:0";
        c.signups_per_ip_per_hour = 3;
    });
}

bool has(const std::string& scrape, const std::string& line) { return scrape.find(line + "\n") != std::string::npos; }

/// One of each signup outcome, from one browser: failed, provisioned twice, duplicate, invalid, disposable, and a
/// fourth attempt over the per-IP limit of 3.
void signUpOneOfEach(TestApp& app) {
    HttpClient browser(app.port(), app.publicUrl());
    app.app().provisioning().setStepObserver([](std::string_view s) {
        if (s == "generate_api_key") throw std::runtime_error("injected");
    });
    ASSERT_EQ(browser.signup("fails@example.com", "Fay Fails").status, 500);
    app.app().provisioning().setStepObserver({});
    ASSERT_EQ(browser.signup("jane@example.com", "Jane Doe").status, 303);
    ASSERT_EQ(HttpClient(app.port(), app.publicUrl()).signup("bob@example.com", "Bob Roe").status, 303);
    ASSERT_EQ(HttpClient(app.port(), app.publicUrl()).signup("jane@example.com", "Jane Doe").status, 200);
    // Jane's browser is signed in now, and /signup sends it to the dashboard (issue 15): a signed-out one goes on.
    HttpClient later(app.port(), app.publicUrl());
    ASSERT_EQ(later.signup("not-an-address", "Nobody").status, 422);
    ASSERT_EQ(later.signup("x@mailinator.com", "Throwaway").status, 422);
    ASSERT_EQ(later.signup("carol@example.com", "Carol").status, 429);
}

class MetricsEndpoint : public ::testing::TestWithParam<Backend> {};

TEST_P(MetricsEndpoint, CountsSignupsRequestsJobsAndEmailsByPatternWithoutPersonalData) {
    TestApp app(GetParam(), metricsConfig());
    ASSERT_NE(app.app().metricsPort(), 0);
    signUpOneOfEach(app);
    HttpClient api(app.port(), app.publicUrl());
    EXPECT_EQ(api.get("/api/v1/fix-attempts/42", {{"Authorization", "Bearer rsolv_nope"}}).status, 401);
    EXPECT_EQ(api.get("/no/such/page").status, 404);

    HttpClient scraper(app.app().metricsPort(), "http://127.0.0.1");
    auto res = scraper.get("/metrics");
    ASSERT_EQ(res.status, 200);
    EXPECT_EQ(res.header("content-type"), "text/plain; version=0.0.4; charset=utf-8");
    std::string scrape = res.body;
    for (const char* outcome : {"provisioned\"} 2", "duplicate\"} 1", "invalid\"} 1", "disposable\"} 1",
                                "rate_limited\"} 1", "failed\"} 1"})
        EXPECT_TRUE(has(scrape, std::string("rsolv_signups_total{outcome=\"") + outcome)) << outcome << "\n" << scrape;
    EXPECT_TRUE(has(scrape, "rsolv_provisioning_duration_seconds_count 2")) << scrape;
    EXPECT_TRUE(has(scrape, "rsolv_http_requests_total{route=\"/signup\",method=\"POST\",status=\"303\"} 2"));
    EXPECT_TRUE(has(scrape, "rsolv_http_requests_total{route=\"/signup\",method=\"POST\",status=\"429\"} 1"));
    EXPECT_TRUE(has(scrape, "rsolv_http_requests_total{route=\"/api/v1/fix-attempts/{id}\",method=\"GET\",status=\"401\"} 1"));
    EXPECT_TRUE(has(scrape, "rsolv_http_requests_total{route=\"unmatched\",method=\"GET\",status=\"404\"} 1"));
    EXPECT_TRUE(has(scrape, "rsolv_api_requests_total{status=\"401\"} 1"));
    EXPECT_NE(scrape.find("rsolv_http_request_duration_seconds_bucket{route=\"/signup\",method=\"POST\",le=\"+Inf\"} 7"),
              std::string::npos);
    EXPECT_TRUE(has(scrape, "rsolv_build_info{version=\"" RSOLV_VERSION "\"} 1"));
    EXPECT_TRUE(has(scrape, "rsolv_database_up 1"));
    EXPECT_TRUE(has(scrape, "rsolv_jobs{kind=\"email.welcome\",state=\"available\"} 2")) << scrape;
    EXPECT_TRUE(has(scrape, "rsolv_jobs{kind=\"email.welcome\",state=\"dead\"} 0"));
    EXPECT_TRUE(has(scrape, "rsolv_job_oldest_available_age_seconds{kind=\"email.welcome\"} 0"));
    EXPECT_NE(scrape.find("rsolv_db_pool_connections{state=\"idle\"}"), std::string::npos);
    for (const char* family : {"process_cpu_seconds_total ", "process_resident_memory_bytes ", "process_open_fds ",
                               "process_threads ", "process_start_time_seconds "})
        EXPECT_NE(scrape.find(std::string("\n") + family), std::string::npos) << family;
    for (const char* personal : {"jane", "example.com", "mailinator", "fix-attempts/42", "no/such"})
        EXPECT_EQ(scrape.find(personal), std::string::npos) << "a label carries " << personal;

    // A minute later the welcome emails have waited a minute; the job counts are cached for five seconds.
    app.clock().advance(std::chrono::seconds(60));
    scrape = scraper.get("/metrics").body;
    EXPECT_TRUE(has(scrape, "rsolv_job_oldest_available_age_seconds{kind=\"email.welcome\"} 60")) << scrape;
    EXPECT_EQ(app.app().worker().drain(), 3) << "two welcome emails and one already-registered email";
    EXPECT_TRUE(has(scraper.get("/metrics").body, "rsolv_jobs{kind=\"email.welcome\",state=\"available\"} 2"))
        << "within five seconds a scrape is served from the cache";
    app.clock().advance(std::chrono::seconds(5));
    scrape = scraper.get("/metrics").body;
    EXPECT_TRUE(has(scrape, "rsolv_jobs{kind=\"email.welcome\",state=\"available\"} 0")) << scrape;
    // Completed jobs are most of the table and are not counted (issue 13: a scrape must not read them one by one);
    // the work done is rsolv_emails_total.
    EXPECT_EQ(scrape.find("state=\"completed\""), std::string::npos) << scrape;
    EXPECT_TRUE(has(scrape, "rsolv_emails_total{kind=\"email.welcome\",result=\"sent\"} 2")) << scrape;
    EXPECT_TRUE(has(scrape, "rsolv_emails_total{kind=\"email.already_registered\",result=\"sent\"} 1")) << scrape;
}

TEST_P(MetricsEndpoint, PromtoolAcceptsARealScrape) {
    TestApp app(GetParam(), metricsConfig());
    signUpOneOfEach(app);
    app.app().worker().drain();
    const std::string scrape = HttpClient(app.app().metricsPort(), "http://127.0.0.1").get("/metrics").body;
    const auto result = runProgram({"/usr/bin/promtool", "check", "metrics"}, scrape);
    EXPECT_EQ(result.exit_code, 0) << result.output << "\n" << scrape;
    EXPECT_EQ(result.output, "") << "promtool found problems:\n" << result.output;
}

TEST_P(MetricsEndpoint, IsNotOnThePublicPortAndServesOnlyMetrics) {
    TestApp app(GetParam(), metricsConfig());
    HttpClient browser(app.port(), app.publicUrl());
    EXPECT_EQ(browser.get("/metrics").status, 404);
    HttpClient scraper(app.app().metricsPort(), "http://127.0.0.1");
    EXPECT_EQ(scraper.get("/").status, 404);
    EXPECT_EQ(scraper.request("POST", "/metrics", "x", "text/plain").status, 405);
}

TEST_P(MetricsEndpoint, EmptyListenTurnsTheListenerOff) {
    TestApp app(GetParam(), signupConfig([](app::Config& c) { c.metrics_listen = ""; }));
    EXPECT_EQ(app.app().metricsPort(), 0);
}

/// A stock Prometheus scraping rsolv every second reads back the signups just made through its query API.
TEST_P(MetricsEndpoint, ARealPrometheusReadsTheSignupsBack) {
    TestApp app(GetParam(), metricsConfig());
    for (const char* who : {"ann", "ben", "cat"})
        ASSERT_EQ(HttpClient(app.port(), app.publicUrl()).signup(std::string(who) + "@example.com", who).status, 303);

    const auto dir = std::filesystem::temp_directory_path() / ("rsolv-prom-" + std::to_string(app.app().metricsPort()));
    std::filesystem::create_directories(dir / "data");
    {
        std::ofstream config(dir / "prometheus.yml");
        config << "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
               << "scrape_configs:\n  - job_name: rsolv\n    static_configs:\n"
               << "      - targets: ['127.0.0.1:" << app.app().metricsPort() << "']\n";
    }
    const unsigned short port = freeLoopbackPort();
    BackgroundProgram prometheus({"/usr/bin/prometheus", "--config.file=" + (dir / "prometheus.yml").string(),
                                  "--storage.tsdb.path=" + (dir / "data").string(),
                                  "--web.listen-address=127.0.0.1:" + std::to_string(port), "--log.level=warn"},
                                 (dir / "prometheus.log").string());

    // Waiting on an outside program, bounded: Prometheus starts, scrapes within a second, and answers.
    const std::string query = "/api/v1/query?query=" + [] {
        std::string q;
        Poco::URI::encode("sum(rsolv_signups_total{outcome=\"provisioned\"})", "", q);
        return q;
    }();
    std::string value, last;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (value.empty() && std::chrono::steady_clock::now() < deadline && prometheus.running()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(250));
        try {
            HttpClient client(port, "http://127.0.0.1");
            client.logContract = false;  // Prometheus's API, not ours
            const auto res = client.get(query);
            last = res.body;
            if (res.status != 200) continue;
            const auto json = nlohmann::json::parse(res.body);
            const auto& result = json.at("data").at("result");
            if (!result.empty()) value = result.at(0).at("value").at(1).get<std::string>();
        } catch (const std::exception&) {
            // not listening yet
        }
    }
    std::ifstream log(dir / "prometheus.log");
    const std::string log_text((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
    std::filesystem::remove_all(dir);
    EXPECT_EQ(value, "3") << "last answer: " << last << "\nprometheus log:\n" << log_text;
}

INSTANTIATE_TEST_SUITE_P(Backends, MetricsEndpoint, kBothBackends, backendName);

}  // namespace
}  // namespace rsolv::test
