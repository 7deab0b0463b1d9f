#pragma once
// Shared by the operator console suites (tests/integration/admin_*_test.cpp, issue 12): operators made the way
// `rsolv admin operators add` makes them, sign-in by the emailed console link, and readers of the audit log.

#include <gtest/gtest.h>

#include <sstream>
#include <string>

#include "app/admin_cli.h"
#include "domain/admin/operators.h"
#include "integration/dashboard_test_helpers.h"

namespace rsolv::test {

inline constexpr const char* kOperatorSignInSubject = "Your RSOLV operator console sign-in link";

/// Adds an operator as the command line does; returns its id.
inline std::int64_t addOperator(TestApp& app, const std::string& email, const std::string& role) {
    return storage::inTransaction(app.db(), storage::TxMode::Write, [&](storage::Transaction& tx) {
        auto id = domain::admin::addOperator(tx, email, role, {"cli:test", ""}, "test setup", app.clock().now());
        EXPECT_TRUE(id.ok()) << (id.ok() ? "" : id.error().message);
        return id.ok() ? id.value() : std::int64_t(0);
    });
}

/// The local path of the first "<public_url>/admin/signin/<token>" link in a text; empty if none.
inline std::string operatorLinkIn(const std::string& text) {
    const std::regex re("https?://[A-Za-z0-9.:-]+(/admin/signin/[A-Za-z0-9_-]+)");
    std::smatch m;
    return std::regex_search(text, m, re) ? m[1].str() : std::string();
}

/// Asks /admin/login for a link for `email` in a fresh browser, runs the worker, returns the link (empty if no mail).
inline std::string freshOperatorLink(TestApp& app, const std::string& email) {
    const size_t before = emailsTo(app, email, kOperatorSignInSubject).size();
    HttpClient asker(app.port(), app.publicUrl());
    const auto page = asker.get("/admin/login");
    EXPECT_EQ(page.status, 200) << page.body.substr(0, 300);
    const auto r = asker.postForm("/admin/login", {{"csrf_token", csrfOf(page.body)}, {"email", email}});
    EXPECT_EQ(r.status, 303) << r.body.substr(0, 300);
    EXPECT_EQ(pathOf(locationOf(app, r)), "/admin/login/sent");
    drainJobs(app);
    const auto mails = emailsTo(app, email, kOperatorSignInSubject);
    if (mails.size() <= before) return {};
    return operatorLinkIn(mails.back().text);
}

/// Opens a console link in `browser` and presses "Sign in"; returns the POST's response.
inline HttpResponse redeemOperatorLink(HttpClient& browser, const std::string& link) {
    const auto page = browser.get(link);
    EXPECT_EQ(page.status, 200) << "GET " << link << ": " << page.body.substr(0, 300);
    return browser.postForm(link, {{"csrf_token", csrfOf(page.body)}});
}

/// A browser signed in to the console as a new operator of `role`.
struct Operator {
    std::string email;
    std::int64_t id = 0;
    HttpClient browser;
};
inline Operator signInOperator(TestApp& app, const std::string& email, const std::string& role) {
    Operator op{email, addOperator(app, email, role), HttpClient(app.port(), app.publicUrl())};
    const std::string link = freshOperatorLink(app, email);
    EXPECT_FALSE(link.empty()) << "no console sign-in link for " << email;
    const auto r = redeemOperatorLink(op.browser, link);
    EXPECT_EQ(r.status, 303) << r.body.substr(0, 300);
    EXPECT_TRUE(op.browser.cookies().count("rsolv_admin")) << "no operator cookie after signing in";
    return op;
}

/// GETs `page` for its form's token, then POSTs `fields` to `action` as this operator.
inline HttpResponse operatorPost(Operator& op, const std::string& page, const std::string& action,
                                 std::map<std::string, std::string> fields) {
    return submitForm(op.browser, page, action, std::move(fields));
}

/// Audit rows as "actor|action|target_type:target_id|customer_id|reason|before|after", oldest first.
inline std::vector<std::string> auditRows(TestApp& app, const std::string& where = "") {
    const auto rs = querySql(app, "SELECT actor, ip, action, target_type, target_id, customer_id, reason, before_json, "
                                  "after_json FROM audit_log" +
                                      (where.empty() ? std::string() : " WHERE " + where) + " ORDER BY id");
    std::vector<std::string> out;
    for (size_t i = 0; i < rs.size(); ++i) {
        const auto r = rs[i];
        out.push_back(r.str("actor") + "|" + r.str("action") + "|" + r.str("target_type") + ":" + r.str("target_id") +
                      "|" + r.opt("customer_id").value_or("-") + "|" + r.str("reason") + "|" + r.str("before_json") +
                      "|" + r.str("after_json"));
    }
    return out;
}

/// Runs `rsolv admin <args>` in-process against the test's database; returns the exit status and what it printed.
struct CliRun {
    int status = 0;
    std::string out;
    std::string err;
};
inline CliRun runAdminCli(TestApp& app, const std::vector<std::string>& args) {
    std::ostringstream out, err;
    const int status = app::runAdminCommand(args, app.config(), app.clock(), "cli:tester", out, err);
    return {status, out.str(), err.str()};
}

}  // namespace rsolv::test
