#pragma once
// Shared by the customer dashboard integration tests (tests/integration/dashboard_*_test.cpp, issue 5): a customer
// signed up through the browser, the sign-in-by-email flow, the outbox of the file mailer, readers of the dashboard's
// markers (ids and classes the contract names) and small database readers.

#include <gtest/gtest.h>

#include <Poco/URI.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "integration/signup_test_helpers.h"
#include "jobs/email_test_support.h"
#include "storage/database.h"
#include "support/test_app.h"

namespace rsolv::test {

// ---- configuration -----------------------------------------------------------------------------------------------

/// The configuration hook of every dashboard test: the mail addresses loadConfig would default to (mail goes to the
/// file mailer's directory, the "outbox"), then the test's own changes.
inline std::function<void(app::Config&)> dashboardConfig(std::function<void(app::Config&)> more = {}) {
    return signupConfig(std::move(more));
}

inline int drainJobs(TestApp& app) { return app.app().worker().drain(); }

// ---- URLs ----------------------------------------------------------------------------------------------------------

inline std::string urlEncode(const std::string& s) {
    std::string out;
    Poco::URI::encode(s, "!#$&'()*+,/:;=?@[]%\"<> ", out);
    return out;
}

inline std::string urlDecode(const std::string& s) {
    std::string out;
    Poco::URI::decode(s, out, true);
    return out;
}

/// The Location of a redirect relative to the public URL ("/login?return_to=..."): the service may write it absolute
/// (public URL + path) or as a path; both mean the same to a browser.
inline std::string locationOf(const TestApp& app, const HttpResponse& r) {
    std::string loc = r.header("location");
    if (loc.rfind(app.publicUrl(), 0) == 0) loc = loc.substr(app.publicUrl().size());
    if (loc.empty()) return loc;
    return loc;
}

/// The path part (no query) of a local URL.
inline std::string pathOf(const std::string& local) { return local.substr(0, local.find('?')); }

/// One query parameter of a local URL, decoded; nullopt when absent.
inline std::optional<std::string> queryParam(const std::string& local, const std::string& name) {
    const auto q = local.find('?');
    if (q == std::string::npos) return std::nullopt;
    std::string query = local.substr(q + 1);
    const auto hash = query.find('#');
    if (hash != std::string::npos) query.resize(hash);
    size_t pos = 0;
    while (pos <= query.size()) {
        size_t amp = query.find('&', pos);
        if (amp == std::string::npos) amp = query.size();
        const std::string pair = query.substr(pos, amp - pos);
        const auto eq = pair.find('=');
        if (urlDecode(pair.substr(0, eq)) == name)
            return eq == std::string::npos ? std::string() : urlDecode(pair.substr(eq + 1));
        pos = amp + 1;
    }
    return std::nullopt;
}

/// Asserts that `r` sends a browser to the sign-in page with return_to = `path` (303 /login?return_to=<path>).
inline void expectRedirectToLogin(const TestApp& app, const HttpResponse& r, const std::string& path) {
    EXPECT_EQ(r.status, 303) << "GET " << path << " answered " << r.status << ": " << r.body.substr(0, 300);
    const std::string loc = locationOf(app, r);
    EXPECT_EQ(pathOf(loc), "/login") << "Location: " << r.header("location");
    EXPECT_EQ(queryParam(loc, "return_to").value_or("<none>"), path) << "Location: " << r.header("location");
}

// ---- pages ----------------------------------------------------------------------------------------------------------

inline std::string csrfOf(const std::string& html) { return inputValue(html, "csrf_token"); }

/// The first element `<tag ... id="id" ...>...</tag>` (not nested in one of the same tag), with its tags; empty if none.
inline std::string elementById(const std::string& html, const std::string& tag, const std::string& id) {
    const std::regex open("<" + tag + "\\b[^>]*\\bid=\"" + id + "\"[^>]*>");
    std::smatch m;
    if (!std::regex_search(html, m, open)) return {};
    const size_t start = size_t(m.position(0));
    const std::string close = "</" + tag + ">";
    const size_t end = html.find(close, start);
    if (end == std::string::npos) return html.substr(start);
    return html.substr(start, end + close.size() - start);
}

/// The opening tag of the element with that id ("<li class=\"step done\" id=\"step-1\">"); empty if none.
inline std::string openingTagWithId(const std::string& html, const std::string& id) {
    const std::regex open("<[a-zA-Z0-9]+\\b[^>]*\\bid=\"" + id + "\"[^>]*>");
    std::smatch m;
    return std::regex_search(html, m, open) ? m.str() : std::string();
}

/// The class attribute's words of a tag.
inline std::vector<std::string> classesOf(const std::string& tag) {
    const std::regex re("\\bclass=\"([^\"]*)\"");
    std::smatch m;
    std::vector<std::string> out;
    if (!std::regex_search(tag, m, re)) return out;
    std::istringstream words(m[1].str());
    for (std::string w; words >> w;) out.push_back(w);
    return out;
}

inline bool hasClass(const std::string& tag, const std::string& cls) {
    const auto c = classesOf(tag);
    return std::find(c.begin(), c.end(), cls) != c.end();
}

/// "done", "todo", or what else the wizard's <li id="step-N"> says (both or neither: "?").
inline std::string stepState(const std::string& html, int n) {
    const std::string tag = openingTagWithId(html, "step-" + std::to_string(n));
    if (tag.empty()) return "missing";
    const bool done = hasClass(tag, "done"), todo = hasClass(tag, "todo");
    if (done == todo) return "? (" + tag + ")";
    return done ? "done" : "todo";
}

/// The flash message text of a page (<div class="flash" role="status">...</div>), tags stripped, decoded, trimmed.
inline std::string flashOf(const std::string& html) {
    const std::regex re("<div class=\"flash\" role=\"status\">([\\s\\S]*?)</div>");
    std::smatch m;
    if (!std::regex_search(html, m, re)) return {};
    std::string text = std::regex_replace(m[1].str(), std::regex("<[^>]*>"), "");
    text = decodeEntities(text);
    const auto first = text.find_first_not_of(" \t\r\n");
    const auto last = text.find_last_not_of(" \t\r\n");
    return first == std::string::npos ? std::string() : text.substr(first, last - first + 1);
}

/// The text of an HTML fragment: tags removed, entities decoded, whitespace runs collapsed.
inline std::string textOf(const std::string& html) {
    std::string t = std::regex_replace(html, std::regex("<[^>]*>"), " ");
    t = decodeEntities(t);
    t = std::regex_replace(t, std::regex("\\s+"), " ");
    const auto first = t.find_first_not_of(' ');
    const auto last = t.find_last_not_of(' ');
    return first == std::string::npos ? std::string() : t.substr(first, last - first + 1);
}

/// The rows (<tr>...</tr>) of a table that hold no header cell.
inline std::vector<std::string> bodyRows(const std::string& table_html) {
    std::vector<std::string> out;
    const std::regex row("<tr\\b[^>]*>[\\s\\S]*?</tr>");
    for (auto it = std::sregex_iterator(table_html.begin(), table_html.end(), row); it != std::sregex_iterator(); ++it)
        if (it->str().find("<th") == std::string::npos) out.push_back(it->str());
    return out;
}

/// The rows of a table's <tbody> (rows may start with a <th scope="row"> header cell, as the console's cohorts do).
inline std::vector<std::string> tbodyRows(const std::string& table_html) {
    const auto begin = table_html.find("<tbody");
    const auto end = table_html.find("</tbody>");
    if (begin == std::string::npos || end == std::string::npos) return {};
    std::vector<std::string> out;
    const std::string body = table_html.substr(begin, end - begin);
    const std::regex row("<tr\\b[^>]*>[\\s\\S]*?</tr>");
    for (auto it = std::sregex_iterator(body.begin(), body.end(), row); it != std::sregex_iterator(); ++it)
        out.push_back(it->str());
    return out;
}

/// The key ids of <tr data-key-id="..."> rows on /dashboard/keys, in page order.
inline std::vector<std::int64_t> keyIdsOn(const std::string& html) {
    std::vector<std::int64_t> out;
    const std::regex re("data-key-id=\"([0-9]+)\"");
    for (auto it = std::sregex_iterator(html.begin(), html.end(), re); it != std::sregex_iterator(); ++it)
        out.push_back(std::stoll((*it)[1].str()));
    return out;
}

/// The <tr data-key-id="id"> row of the keys table; empty if absent.
inline std::string keyRow(const std::string& html, std::int64_t id) {
    const std::regex re("<tr\\b[^>]*data-key-id=\"" + std::to_string(id) + "\"[^>]*>[\\s\\S]*?</tr>");
    std::smatch m;
    return std::regex_search(html, m, re) ? m.str() : std::string();
}

/// The key shown once in <code id="new-api-key">; empty if the page does not show one.
inline std::string newApiKeyOn(const std::string& html) {
    const std::regex re("<code id=\"new-api-key\">\\s*(rsolv_[0-9A-Za-z]{49})\\s*</code>");
    std::smatch m;
    return std::regex_search(html, m, re) ? m[1].str() : std::string();
}

inline bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

// ---- the outbox (file mailer) -----------------------------------------------------------------------------------

/// Every email the file mailer wrote so far, in file-name order (time, then Message-ID).
inline std::vector<ReceivedEmail> outbox(const TestApp& app) {
    std::vector<ReceivedEmail> out;
    const std::string url = app.config().mail_url;
    if (url.rfind("file:", 0) != 0) {
        ADD_FAILURE() << "the dashboard tests read the file mailer's directory, but mail_url is " << url;
        return out;
    }
    const std::filesystem::path dir = url.substr(5);
    std::error_code ec;
    if (!std::filesystem::exists(dir, ec)) return out;
    std::vector<std::filesystem::path> files;
    for (const auto& e : std::filesystem::directory_iterator(dir, ec))
        if (e.is_regular_file() && e.path().extension() == ".eml" && e.path().filename().string()[0] != '.')
            files.push_back(e.path());
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
        std::ifstream in(f, std::ios::binary);
        std::stringstream ss;
        ss << in.rdbuf();
        out.push_back(parseReceivedEmail(ss.str()));
    }
    return out;
}

inline bool isTo(const ReceivedEmail& e, const std::string& address) {
    std::string to = e.header("To"), a = address;
    std::transform(to.begin(), to.end(), to.begin(), ::tolower);
    std::transform(a.begin(), a.end(), a.begin(), ::tolower);
    return to.find(a) != std::string::npos;
}

/// The emails to `address` (any subject, or only those whose subject contains `subject`).
inline std::vector<ReceivedEmail> emailsTo(const TestApp& app, const std::string& address,
                                           const std::string& subject = "") {
    std::vector<ReceivedEmail> out;
    for (auto& e : outbox(app))
        if (isTo(e, address) && (subject.empty() || contains(e.subject(), subject))) out.push_back(std::move(e));
    return out;
}

inline constexpr const char* kSignInSubject = "Your RSOLV sign-in link";

/// The local part of the first "<public_url>/signin/<token>[?return_to=...]" link in an email's text.
inline std::string signInLinkIn(const std::string& text) {
    const std::regex re("https?://[A-Za-z0-9.:-]+(/signin/[A-Za-z0-9_-]+(\\?return_to=[^\\s\"<>]*)?)");
    std::smatch m;
    return std::regex_search(text, m, re) ? m[1].str() : std::string();
}

/// The token of a "/signin/<token>[?...]" or "/settings/email/confirm/<token>" path.
inline std::string tokenOf(const std::string& link_path) {
    const std::string path = pathOf(link_path);
    return path.substr(path.rfind('/') + 1);
}

// ---- database ------------------------------------------------------------------------------------------------------

/// Runs test-only SQL (PostgreSQL text with $N; converted for SQLite) and returns the rows. The text is kept alive
/// for the process, because statement caches key on the text's address.
inline storage::ResultSet querySql(TestApp& app, const std::string& sql, const storage::Params& params = {},
                                   storage::TxMode mode = storage::TxMode::Read) {
    static std::mutex mutex;
    static std::map<std::string, std::pair<std::unique_ptr<std::string>, std::unique_ptr<std::string>>> texts;
    storage::Query q;
    {
        std::lock_guard lock(mutex);
        auto& slot = texts[sql];
        if (!slot.first) {
            slot.first = std::make_unique<std::string>(sql);
            slot.second = std::make_unique<std::string>(storage::toSqlitePlaceholders(sql));
        }
        q = storage::Query{*slot.first, *slot.second};
    }
    return storage::inTransaction(app.db(), mode, [&](storage::Transaction& tx) { return tx.exec(q, params); });
}

inline std::int64_t sessionCount(TestApp& app, std::int64_t customer_id) {
    return app.count("sessions", "customer_id = " + std::to_string(customer_id));
}

/// Every table of the service's schema (both backends).
inline std::vector<std::string> tableNames(TestApp& app) {
    const auto rs = app.db().dialect() == storage::Dialect::Sqlite
                        ? querySql(app, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE "
                                        "'sqlite_%' ORDER BY name")
                        : querySql(app, "SELECT table_name AS name FROM information_schema.tables WHERE "
                                        "table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY 1");
    std::vector<std::string> out;
    for (size_t i = 0; i < rs.size(); ++i) out.push_back(rs[i].str("name"));
    return out;
}

/// Every row of every table, as text, for "this request changed nothing" checks.
inline std::map<std::string, std::vector<std::string>> databaseSnapshot(TestApp& app) {
    std::map<std::string, std::vector<std::string>> out;
    for (const auto& table : tableNames(app)) {
        const auto rs = querySql(app, "SELECT * FROM " + table);
        auto& rows = out[table];
        for (const auto& row : rs.rows) {
            std::string line;
            for (size_t c = 0; c < row.size(); ++c)
                line += rs.columns[c] + "=" + (row[c] ? *row[c] : std::string("NULL")) + "|";
            rows.push_back(line);
        }
        std::sort(rows.begin(), rows.end());
    }
    return out;
}

/// What differs between two snapshots, readable; empty when equal.
inline std::string snapshotDiff(const std::map<std::string, std::vector<std::string>>& before,
                                const std::map<std::string, std::vector<std::string>>& after) {
    std::string out;
    std::set<std::string> tables;
    for (const auto& [t, _] : before) tables.insert(t);
    for (const auto& [t, _] : after) tables.insert(t);
    for (const auto& t : tables) {
        const auto b = before.count(t) ? before.at(t) : std::vector<std::string>{};
        const auto a = after.count(t) ? after.at(t) : std::vector<std::string>{};
        if (a == b) continue;
        out += "table " + t + ":\n";
        for (const auto& r : b)
            if (std::find(a.begin(), a.end(), r) == a.end()) out += "  - " + r + "\n";
        for (const auto& r : a)
            if (std::find(b.begin(), b.end(), r) == b.end()) out += "  + " + r + "\n";
    }
    return out;
}

// ---- the API ---------------------------------------------------------------------------------------------------------

/// A call as the GitHub Action makes it: no cookies, no Origin, `Authorization: Bearer <key>`, a JSON body if any.
inline HttpResponse apiCall(TestApp& app, const std::string& method, const std::string& path, const std::string& key,
                            const std::string& body = "") {
    HttpClient client(app.port(), app.publicUrl());
    client.sendOrigin = false;
    auto response = client.request(method, path, body, body.empty() ? "" : "application/json",
                                   {{"Authorization", "Bearer " + key}});
    // The key's last use and its first call are written in the background within 250 ms (issue 11): the dashboard
    // pages a test reads next see them once that write has run.
    app.app().flushApiUsage();
    return response;
}

inline nlohmann::json jsonBody(const HttpResponse& r) {
    auto j = nlohmann::json::parse(r.body, nullptr, false);
    if (j.is_discarded()) ADD_FAILURE() << "not JSON (status " << r.status << "): " << r.body;
    return j;
}

/// Starts a fix attempt for `repository` through the API and returns its id (0 on failure).
inline std::int64_t startFixAttempt(TestApp& app, const std::string& key, const std::string& repository,
                                    const std::string& reference = "main") {
    const auto r = apiCall(app, "POST", "/api/v1/fix-attempts", key,
                           nlohmann::json{{"repository", repository}, {"reference", reference}}.dump());
    EXPECT_EQ(r.status, 201) << r.body;
    return r.status == 201 ? jsonBody(r).value("id", std::int64_t(0)) : 0;
}

// ---- a customer and their browser ----------------------------------------------------------------------------------

/// A customer who signed up in `browser`, which is signed in since (the signup starts a session).
struct Customer {
    std::string email;
    std::string key;  ///< the API key the welcome page showed once
    std::int64_t id = 0;
    HttpClient browser;
};

inline Customer signUpCustomer(TestApp& app, const std::string& email, const std::string& name = "Dana Dashboard",
                               const std::string& company = "Acme") {
    Customer c{email, "", 0, HttpClient(app.port(), app.publicUrl())};
    const auto res = c.browser.signup(email, name, company);
    EXPECT_EQ(res.status, 303) << "signup of " << email << ": " << res.body.substr(0, 500);
    c.key = findApiKey(c.browser.get("/welcome").body);
    EXPECT_FALSE(c.key.empty()) << "no API key on /welcome after signing up " << email;
    EXPECT_TRUE(c.browser.cookies().count("rsolv_session")) << "signup did not sign the browser in";
    c.id = customerByEmail(app, email).id;
    return c;
}

/// GETs `page` for its form's CSRF token, then POSTs `fields` (+ csrf_token) to `action`.
inline HttpResponse submitForm(HttpClient& browser, const std::string& page, const std::string& action,
                               std::map<std::string, std::string> fields = {}) {
    const auto p = browser.get(page);
    EXPECT_EQ(p.status, 200) << "GET " << page << " before POST " << action << ": " << p.body.substr(0, 300);
    const std::string token = csrfOf(p.body);
    EXPECT_FALSE(token.empty()) << "no csrf_token on " << page;
    fields["csrf_token"] = token;
    return browser.postForm(action, fields);
}

/// POST /login from `browser` (after GET /login[?return_to=...] for the token).
inline HttpResponse requestSignInLink(HttpClient& browser, const std::string& email, const std::string& return_to = "") {
    const std::string page = return_to.empty() ? "/login" : "/login?return_to=" + urlEncode(return_to);
    const auto p = browser.get(page);
    EXPECT_EQ(p.status, 200) << "GET " << page << ": " << p.body.substr(0, 300);
    std::map<std::string, std::string> fields{{"csrf_token", csrfOf(p.body)}, {"email", email}};
    const std::string rt = inputValue(p.body, "return_to");
    if (!rt.empty()) fields["return_to"] = rt;
    return browser.postForm("/login", fields);
}

/// The newest sign-in link (local path with its query) the outbox holds for `email`; empty if none.
inline std::string latestSignInLink(const TestApp& app, const std::string& email) {
    const auto mails = emailsTo(app, email, kSignInSubject);
    return mails.empty() ? std::string() : signInLinkIn(mails.back().text);
}

/// Asks for a sign-in link for `email` in a fresh browser, runs the worker and returns the link from the email.
inline std::string freshSignInLink(TestApp& app, const std::string& email, const std::string& return_to = "") {
    const size_t before = emailsTo(app, email, kSignInSubject).size();
    HttpClient asker(app.port(), app.publicUrl());
    const auto r = requestSignInLink(asker, email, return_to);
    EXPECT_EQ(r.status, 303) << r.body.substr(0, 300);
    drainJobs(app);
    const auto mails = emailsTo(app, email, kSignInSubject);
    EXPECT_EQ(mails.size(), before + 1) << "no new sign-in email to " << email;
    if (mails.size() <= before) return {};
    const std::string link = signInLinkIn(mails.back().text);
    EXPECT_FALSE(link.empty()) << "no /signin/ link in:\n" << mails.back().text;
    return link;
}

/// Opens a sign-in link in `browser` (GET: the page with the button) and presses "Sign in" (POST with the page's
/// csrf_token and return_to). Returns the POST's response.
inline HttpResponse redeemSignInLink(HttpClient& browser, const std::string& link) {
    const auto page = browser.get(link);
    EXPECT_EQ(page.status, 200) << "GET " << link << ": " << page.body.substr(0, 300);
    std::map<std::string, std::string> fields{{"csrf_token", csrfOf(page.body)}};
    const std::string rt = inputValue(page.body, "return_to");
    if (!rt.empty()) fields["return_to"] = rt;
    return browser.postForm(pathOf(link), fields);
}

/// Signs `browser` in as `email` by a fresh magic link; returns the redeeming POST's response.
inline HttpResponse signInByEmail(TestApp& app, HttpClient& browser, const std::string& email,
                                  const std::string& return_to = "") {
    return redeemSignInLink(browser, freshSignInLink(app, email, return_to));
}

/// GETs where a redirect points (its Location, query included): the page that shows the flash message.
inline HttpResponse follow(const TestApp& app, HttpClient& browser, const HttpResponse& redirect) {
    EXPECT_EQ(redirect.status, 303) << redirect.body.substr(0, 300);
    return browser.get(locationOf(app, redirect));
}

/// Skips the setup wizard, so /dashboard shows the overview.
inline void skipSetup(TestApp& app, HttpClient& browser) {
    const auto r = submitForm(browser, "/dashboard/setup", "/dashboard/setup/skip");
    EXPECT_EQ(r.status, 303) << r.body.substr(0, 300);
    EXPECT_EQ(pathOf(locationOf(app, r)), "/dashboard");
}

/// The href of the dashboard navigation's link marked aria-current="page"; empty if none.
inline std::string currentNavHref(const std::string& html) {
    const std::regex nav("<nav\\b[^>]*aria-label=\"Dashboard\"[^>]*>([\\s\\S]*?)</nav>");
    std::smatch m;
    if (!std::regex_search(html, m, nav)) return "<no nav>";
    const std::string links = m[1].str();
    const std::regex a("<a\\b[^>]*>");
    for (auto it = std::sregex_iterator(links.begin(), links.end(), a); it != std::sregex_iterator(); ++it) {
        const std::string tag = it->str();
        if (!contains(tag, "aria-current=\"page\"")) continue;
        std::smatch h;
        const std::regex href("\\bhref=\"([^\"]*)\"");
        return std::regex_search(tag, h, href) ? h[1].str() : std::string("<no href>");
    }
    return {};
}

/// The local path of the first "<public_url>/settings/email/confirm/<token>" link in a text; empty if none.
inline std::string emailConfirmLinkIn(const std::string& text) {
    const std::regex re("https?://[A-Za-z0-9.:-]+(/settings/email/confirm/[A-Za-z0-9_-]+)");
    std::smatch m;
    return std::regex_search(text, m, re) ? m[1].str() : std::string();
}

/// Asks for an email change in the signed-in `browser` (settings form), runs the worker and returns the confirmation
/// link sent to `new_email`; empty (and a failure) if there is none.
inline std::string requestEmailChange(TestApp& app, HttpClient& browser, const std::string& new_email) {
    const auto r = submitForm(browser, "/dashboard/settings", "/dashboard/settings/email", {{"new_email", new_email}});
    EXPECT_EQ(r.status, 303) << "POST /dashboard/settings/email: " << r.body.substr(0, 500);
    drainJobs(app);
    const auto mails = emailsTo(app, new_email);
    for (auto it = mails.rbegin(); it != mails.rend(); ++it)
        if (auto link = emailConfirmLinkIn(it->text); !link.empty()) return link;
    ADD_FAILURE() << "no /settings/email/confirm/ link in the " << mails.size() << " email(s) to " << new_email;
    return {};
}

/// Opens a confirmation link in `browser` and presses "Confirm new email"; returns the POST's response.
inline HttpResponse confirmEmailChange(HttpClient& browser, const std::string& link) {
    const auto page = browser.get(link);
    EXPECT_EQ(page.status, 200) << "GET " << link << ": " << page.body.substr(0, 300);
    EXPECT_TRUE(contains(page.body, "Confirm new email")) << page.body;
    return browser.postForm(link, {{"csrf_token", csrfOf(page.body)}});
}

/// Runs `command` in a shell; returns its exit status and what it printed (stdout and stderr).
inline std::pair<int, std::string> runCommand(const std::string& command) {
    std::string output;
    FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
    if (!pipe) return {-1, "popen failed"};
    char buf[4096];
    while (size_t n = std::fread(buf, 1, sizeof buf, pipe)) output.append(buf, n);
    const int status = ::pclose(pipe);
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

}  // namespace rsolv::test
