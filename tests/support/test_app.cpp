#include "support/test_app.h"

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>
#include <Poco/URI.h>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <nlohmann/json.hpp>
#include <regex>

#include "common/crypto.h"
#include "http/request.h"
#include "storage/migrations.h"

namespace rsolv::test {

std::string backendName(const ::testing::TestParamInfo<Backend>& info) {
    return info.param == Backend::Sqlite ? "Sqlite" : "Postgres";
}

TestDatabase::TestDatabase(Backend backend) {
    if (backend == Backend::Sqlite)
        sqlite_ = std::make_unique<TemporarySqliteDatabase>();
    else
        postgres_ = std::make_unique<TemporaryPostgresDatabase>();
}

const std::string& TestDatabase::url() const { return sqlite_ ? sqlite_->url() : postgres_->url(); }

std::unique_ptr<storage::Database> TestDatabase::open(int pool_size) const {
    auto db = storage::openDatabase({url(), pool_size, 10000});
    storage::migrate(*db);
    return db;
}

Timestamp testEpoch() {
    using namespace std::chrono;
    return Timestamp(sys_days{year{2026} / 11 / 24} + hours{9});
}

TestApp::TestApp(Backend backend, const std::function<void(app::Config&)>& configure)
    : database_(backend), clock_(testEpoch()) {
    crypto::init();
    var_dir_ = std::filesystem::temp_directory_path() / ("rsolv-test-" + crypto::hex(crypto::randomBytes(6)));
    std::filesystem::create_directories(var_dir_);
    config_.database_url = database_.url();
    config_.listen_host = "127.0.0.1";
    config_.listen_port = 0;
    config_.public_url = "http://rsolv.test";
    config_.var_dir = var_dir_.string();
    config_.mail_url = "file:" + (var_dir_ / "mail").string();
    config_.secret_key = "test-secret-key-that-is-long-enough-0123456789";
    config_.http_threads = 64;
    config_.db_pool_size = 16;
    config_.metrics_listen = "";  // a test that scrapes asks for "127.0.0.1:0"
    // Tests post forms at once and start many fix attempts on fresh accounts: the bot and pre-verification checks
    // (issue 9) are off unless a test turns them on.
    config_.form_min_fill_seconds = 0;
    config_.unverified_fix_limit = 1000000;
    config_.signup_challenge = "off";
    if (configure) configure(config_);
    app_ = std::make_unique<app::App>(config_, clock_, ticks_);
    app_->startHttp();
}

TestApp::~TestApp() {
    app_.reset();
    std::error_code ec;
    std::filesystem::remove_all(var_dir_, ec);
}

std::int64_t TestApp::count(const std::string& table, const std::string& where) {
    // Built per call and kept alive in a static list, because the statement caches key on the text's address.
    static std::mutex mutex;
    static std::map<std::string, std::unique_ptr<std::string>> texts;
    const std::string sql = "SELECT COUNT(*) AS n FROM " + table + (where.empty() ? "" : " WHERE " + where);
    const std::string* text;
    {
        std::lock_guard lock(mutex);
        auto& slot = texts[sql];
        if (!slot) slot = std::make_unique<std::string>(sql);
        text = slot.get();
    }
    return storage::inTransaction(db(), storage::TxMode::Read, [&](storage::Transaction& tx) {
        return tx.exec(storage::Query{*text}).front().i64("n");
    });
}

std::string HttpResponse::header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
}

namespace {

/// With RSOLV_CONTRACT_LOG set, appends one JSON line per /api/ exchange to that file for tests/contract/validate.mjs.
/// One write(2) per line on an O_APPEND descriptor, so tests in other processes can share the file; the mutex keeps
/// this process's threads in order.
void recordApiExchange(const std::string& method, const std::string& path, const HttpResponse& response) {
    const char* log = std::getenv("RSOLV_CONTRACT_LOG");
    if (!log || !*log || path.rfind("/api/", 0) != 0) return;
    const nlohmann::json entry{{"method", method},
                               {"path", path.substr(0, path.find('?'))},
                               {"status", response.status},
                               {"content_type", response.header("content-type")},
                               {"body", response.body}};
    const std::string line = entry.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    static std::mutex mutex;
    std::lock_guard lock(mutex);
    const int fd = ::open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) {
        ADD_FAILURE() << "cannot open RSOLV_CONTRACT_LOG " << log << ": " << std::strerror(errno);
        return;
    }
    for (size_t done = 0; done < line.size();) {
        const ssize_t n = ::write(fd, line.data() + done, line.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            ADD_FAILURE() << "cannot write RSOLV_CONTRACT_LOG " << log << ": " << std::strerror(errno);
            break;
        }
        done += size_t(n);
    }
    ::close(fd);
}

}  // namespace

HttpClient::HttpClient(unsigned short port, std::string origin) : port_(port), origin_(std::move(origin)) {}

HttpResponse HttpClient::request(const std::string& method, const std::string& path, const std::string& body,
                                 const std::string& content_type, const std::map<std::string, std::string>& headers) {
    Poco::Net::HTTPClientSession session("127.0.0.1", port_);
    session.setTimeout(Poco::Timespan(30, 0));
    Poco::Net::HTTPRequest req(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
    req.setHost("rsolv.test");
    if (!cookies_.empty()) {
        std::string cookie;
        for (const auto& [k, v] : cookies_) cookie += (cookie.empty() ? "" : "; ") + k + "=" + v;
        req.set("Cookie", cookie);
    }
    if (method != "GET" && method != "HEAD" && sendOrigin) req.set("Origin", origin_);
    for (const auto& [k, v] : headers) req.set(k, v);
    if (!content_type.empty()) req.setContentType(content_type);
    if (method != "GET" && method != "HEAD") req.setContentLength(static_cast<std::streamsize>(body.size()));
    auto& out = session.sendRequest(req);
    out << body;
    Poco::Net::HTTPResponse res;
    auto& in = session.receiveResponse(res);
    HttpResponse r;
    r.status = res.getStatus();
    Poco::StreamCopier::copyToString(in, r.body);
    for (const auto& [k, v] : res) {
        std::string name = k;
        std::transform(name.begin(), name.end(), name.begin(), ::tolower);
        r.headers.emplace(name, v);
        if (name == "set-cookie") {
            const auto eq = v.find('=');
            const auto semi = v.find(';');
            const std::string cname = v.substr(0, eq);
            const std::string cvalue = v.substr(eq + 1, semi == std::string::npos ? std::string::npos : semi - eq - 1);
            if (v.find("Max-Age=0") != std::string::npos)
                cookies_.erase(cname);
            else
                cookies_[cname] = cvalue;
        }
    }
    if (logContract) recordApiExchange(method, path, r);
    return r;
}

HttpResponse HttpClient::get(const std::string& path, const std::map<std::string, std::string>& headers) {
    return request("GET", path, "", "", headers);
}

HttpResponse HttpClient::postForm(const std::string& path, const std::map<std::string, std::string>& fields,
                                  const std::map<std::string, std::string>& headers) {
    std::string body;
    for (const auto& [k, v] : fields) {
        std::string ek, ev;
        Poco::URI::encode(k, "&=+?#/;", ek);
        Poco::URI::encode(v, "&=+?#/;", ev);
        body += (body.empty() ? "" : "&") + ek + "=" + ev;
    }
    return request("POST", path, body, "application/x-www-form-urlencoded", headers);
}

std::string HttpClient::csrfToken(const std::string& form_page) { return inputValue(get(form_page).body, "csrf_token"); }

HttpResponse HttpClient::signup(const std::string& email, const std::string& name, const std::string& company,
                                const std::map<std::string, std::string>& headers) {
    const std::string token = csrfToken("/signup");
    return postForm("/signup", {{"csrf_token", token}, {"email", email}, {"name", name}, {"company", company}}, headers);
}

std::string inputValue(const std::string& html, const std::string& name) {
    const std::regex re("<input[^>]*name=\"" + name + "\"[^>]*value=\"([^\"]*)\"");
    std::smatch m;
    if (!std::regex_search(html, m, re)) return {};
    std::string v = m[1];
    const std::pair<const char*, const char*> entities[] = {
        {"&quot;", "\""}, {"&#39;", "'"}, {"&lt;", "<"}, {"&gt;", ">"}, {"&amp;", "&"}};
    for (const auto& [from, to] : entities)
        for (size_t pos = v.find(from); pos != std::string::npos; pos = v.find(from, pos + 1))
            v.replace(pos, std::string(from).size(), to);
    return v;
}

std::string findApiKey(const std::string& text) {
    static const std::regex re("rsolv_[0-9A-Za-z]{49}");
    std::smatch m;
    return std::regex_search(text, m, re) ? m.str() : std::string();
}

}  // namespace rsolv::test
