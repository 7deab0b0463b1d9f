#pragma once
// The real service in-process for integration tests: the App composition root on a free loopback port, a database
// of the chosen backend made for the test, and a clock the test moves. Talk to it with HttpClient over real HTTP.

#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "app/app.h"
#include "common/clock.h"
#include "common/monotonic_clock.h"
#include "support/pg_database.h"

namespace rsolv::test {

enum class Backend { Sqlite, Postgres };

std::string backendName(const ::testing::TestParamInfo<Backend>& info);
/// Both backends, for INSTANTIATE_TEST_SUITE_P(Backends, Suite, kBothBackends, backendName).
inline const auto kBothBackends = ::testing::Values(Backend::Sqlite, Backend::Postgres);

/// A fresh, empty database of one backend, removed afterwards.
class TestDatabase {
public:
    explicit TestDatabase(Backend backend);
    const std::string& url() const;
    /// Opens it (and migrates) as the service would.
    std::unique_ptr<storage::Database> open(int pool_size = 8) const;

private:
    std::unique_ptr<TemporarySqliteDatabase> sqlite_;
    std::unique_ptr<TemporaryPostgresDatabase> postgres_;
};

/// The start of every test clock: a fixed instant, so tests read the same on any day.
Timestamp testEpoch();

class TestApp {
public:
    /// `configure` may change the configuration before the app is built (limits, proxies...).
    explicit TestApp(Backend backend, const std::function<void(app::Config&)>& configure = {});
    ~TestApp();

    app::App& app() { return *app_; }
    storage::Database& db() { return app_->database(); }
    ManualClock& clock() { return clock_; }
    /// The app's monotonic time (worker polls, heartbeats, mail breaker probes): moves only when the test moves it.
    ManualMonotonicClock& ticks() { return ticks_; }
    unsigned short port() const { return app_->port(); }
    const std::string& publicUrl() const { return config_.public_url; }
    const app::Config& config() const { return config_; }
    /// Counts rows of a table (test-only SQL, table names fixed by the caller).
    std::int64_t count(const std::string& table, const std::string& where = "");

private:
    TestDatabase database_;
    std::filesystem::path var_dir_;
    ManualClock clock_;
    ManualMonotonicClock ticks_;
    app::Config config_;
    std::unique_ptr<app::App> app_;
};

struct HttpResponse {
    int status = 0;
    std::multimap<std::string, std::string> headers;  ///< names lowercased
    std::string body;
    std::string header(const std::string& lowercase_name) const;
};

/// A browser-like client: keeps cookies, sends Origin on POSTs, never follows redirects on its own.
class HttpClient {
public:
    HttpClient(unsigned short port, std::string origin);

    HttpResponse get(const std::string& path, const std::map<std::string, std::string>& headers = {});
    HttpResponse postForm(const std::string& path, const std::map<std::string, std::string>& fields,
                          const std::map<std::string, std::string>& headers = {});
    /// Any request with a raw body.
    HttpResponse request(const std::string& method, const std::string& path, const std::string& body,
                         const std::string& content_type, const std::map<std::string, std::string>& headers = {});

    /// GETs `form_page` and returns the csrf_token of its form.
    std::string csrfToken(const std::string& form_page = "/signup");
    /// GET /signup then POST /signup with a fresh token.
    HttpResponse signup(const std::string& email, const std::string& name, const std::string& company = "",
                        const std::map<std::string, std::string>& headers = {});

    std::map<std::string, std::string>& cookies() { return cookies_; }
    bool sendOrigin = true;
    /// Exchanges under /api/ go to the contract log (RSOLV_CONTRACT_LOG); off for servers that are not rsolv.
    bool logContract = true;

private:
    unsigned short port_;
    std::string origin_;
    std::map<std::string, std::string> cookies_;
};

/// The value of <input ... name="NAME" ... value="..."> in a page, HTML entities decoded; empty if absent.
std::string inputValue(const std::string& html, const std::string& name);
/// The API key shown on a page, if any (rsolv_ + 49 base62).
std::string findApiKey(const std::string& text);

}  // namespace rsolv::test
