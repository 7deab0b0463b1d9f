// Dashboard overview render time for a customer with many fix attempts (issue 5's benchmark; plain main).
//
//   dashboard_bench --db URL [--attempts 1000] [--requests 2000]
//
// Builds the real App (HTTP server on a free loopback port, its own pool and templates) on the database URL
// (sqlite:PATH or postgresql://...; it must be empty or new), provisions one customer, inserts N fix attempts
// (half finished, some with pull requests), starts a session as a browser would have one, then GETs /dashboard
// over keep-alive HTTP, one request at a time, and prints p50/p90/p99/max of the time to the last byte.
// "SUMMARY|dashboard|..." lines are what bench/README.md quotes.

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "app/app.h"
#include "common/crypto.h"
#include "domain/accounts.h"
#include "domain/sessions.h"
#include "storage/fix_attempt_repository.h"

using namespace rsolv;

namespace {

std::string arg(int argc, char** argv, const std::string& name, const std::string& fallback) {
    for (int i = 1; i + 1 < argc; ++i)
        if (argv[i] == name) return argv[i + 1];
    return fallback;
}

double percentile(std::vector<double> v, double p) {
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, size_t(p * double(v.size())))];
}

}  // namespace

int main(int argc, char** argv) {
    const std::string db_url = arg(argc, argv, "--db", "");
    const int attempts = std::stoi(arg(argc, argv, "--attempts", "1000"));
    const int requests = std::stoi(arg(argc, argv, "--requests", "2000"));
    if (db_url.empty()) {
        std::cerr << "usage: dashboard_bench --db URL [--attempts N] [--requests N]\n";
        return 2;
    }
    crypto::init();
    spdlog::set_level(spdlog::level::warn);  // no access log line per request in the timing

    app::Config config;
    config.database_url = db_url;
    config.listen_port = 0;
    config.public_url = "http://127.0.0.1";
    config.secret_key = std::string(64, 'b');
    config.mail_url = "file:/tmp/rsolv-dashboard-bench-mail";
    config.var_dir = "/tmp";
    config.workers = 0;
    SystemClock clock;
    app::App app(config, clock);

    domain::SignupRequest signup{"bench-" + crypto::randomToken(16) + "@example.com", "Bench Customer", "Bench Inc",
                                 "127.0.0.1", "bench", false};
    const auto out = app.provisioning().provisionFromSignup(signup);
    if (out.status != domain::SignupOutcome::Status::Provisioned) {
        std::cerr << "could not provision the bench customer\n";
        return 1;
    }
    std::string session_token;
    storage::inTransaction(app.database(), storage::TxMode::Write, [&](storage::Transaction& tx) {
        const Timestamp now = clock.now();
        storage::FixAttemptRepository repo(tx);
        for (int i = 0; i < attempts; ++i) {
            const auto a = repo.insert(out.customer_id, std::nullopt, "acme/repo-" + std::to_string(i % 37),
                                       "refs/heads/main", std::nullopt, std::nullopt, now);
            if (i % 2 == 0)
                repo.finish(out.customer_id, a.id, i % 4 == 0 ? "succeeded" : "failed",
                            i % 4 == 0 ? std::optional<std::string>("https://github.com/acme/repo/pull/" +
                                                                    std::to_string(i))
                                       : std::nullopt,
                            i % 4 == 0 ? std::nullopt : std::optional<std::string>("tests failed"), i % 4 != 0, now);
        }
        domain::skipSetup(tx, out.customer_id, now);  // the overview itself, not the wizard's redirect
        session_token = domain::startSession(tx, out.customer_id, "127.0.0.1", "bench", now, {}).token;
    });
    app.startHttp();

    Poco::Net::HTTPClientSession session("127.0.0.1", app.port());
    session.setKeepAlive(true);
    std::vector<double> ms;
    size_t bytes = 0;
    for (int i = 0; i < requests + 50; ++i) {
        const auto started = std::chrono::steady_clock::now();
        Poco::Net::HTTPRequest req(Poco::Net::HTTPRequest::HTTP_GET, "/dashboard", Poco::Net::HTTPMessage::HTTP_1_1);
        req.set("Cookie", "rsolv_session=" + session_token);
        session.sendRequest(req);
        Poco::Net::HTTPResponse res;
        std::string body;
        Poco::StreamCopier::copyToString(session.receiveResponse(res), body);
        const double took =
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
        if (res.getStatus() != 200 || body.find("id=\"recent-attempts\"") == std::string::npos) {
            std::cerr << "unexpected response " << res.getStatus() << "\n";
            return 1;
        }
        bytes = body.size();
        if (i >= 50) ms.push_back(took);  // the first 50 warm the caches and the connection
    }
    app.stopHttp();
    const std::string backend = db_url.rfind("sqlite:", 0) == 0 ? "sqlite" : "postgres";
    std::printf("SUMMARY|dashboard|backend=%s|attempts=%d|requests=%d|bytes=%zu|p50_ms=%.2f|p90_ms=%.2f|p99_ms=%.2f|"
                "max_ms=%.2f\n",
                backend.c_str(), attempts, requests, bytes, percentile(ms, 0.5), percentile(ms, 0.9),
                percentile(ms, 0.99), *std::max_element(ms.begin(), ms.end()));
    return 0;
}
