// Issue 12, the RFC's rollout: signup modes (open, invite, closed) kept in the database, invitations of addresses,
// domains and single-use links, the waitlist, and the operator's changes to them (console and command line), each
// audited in its own transaction.

#include "integration/admin_test_helpers.h"

namespace rsolv::test {
namespace {

constexpr const char* kInvitationSubject = "Your invitation to RSOLV";
constexpr const char* kWaitlistText = "on our waitlist";

/// The local path of the first "<public_url>/invite/<token>" link in a text; empty if none.
std::string invitationLinkIn(const std::string& text) {
    const std::regex re("https?://[A-Za-z0-9.:-]+(/invite/[A-Za-z0-9_-]+)");
    std::smatch m;
    return std::regex_search(text, m, re) ? m[1].str() : std::string();
}

/// Opens `page` (the signup form or an invitation link) and submits its form as a person would.
HttpResponse signupFrom(HttpClient& browser, const std::string& page, const std::string& email,
                        const std::string& name = "Bea Beta") {
    const auto form = browser.get(page);
    EXPECT_EQ(form.status, 200) << form.body.substr(0, 300);
    std::map<std::string, std::string> fields{
        {"csrf_token", csrfOf(form.body)}, {"email", email}, {"name", name}, {"company", "Beta Co"}};
    const std::string invitation = inputValue(form.body, "invitation");
    if (!invitation.empty()) fields["invitation"] = invitation;
    return browser.postForm("/signup", fields);
}

class AdminSignups : public ::testing::TestWithParam<Backend> {
protected:
    TestApp app_{GetParam(), dashboardConfig()};

    /// A change made from the command line reaches this instance once its cached mode is older than two seconds.
    void setModeFromCli(const std::string& mode) {
        const auto r = runAdminCli(app_, {"signup-mode", mode, "--reason", "rollout step"});
        ASSERT_EQ(r.status, 0) << r.out << r.err;
        app_.clock().advance(std::chrono::seconds(3));
    }
    std::int64_t customers(const std::string& email) {
        return app_.count("customers", "email_canonical = '" + email + "'");
    }
};

TEST_P(AdminSignups, AnUninvitedAddressJoinsTheWaitlistAndGetsNoAccount) {
    setModeFromCli("invite");
    HttpClient browser(app_.port(), app_.publicUrl());
    const auto form = browser.get("/signup");
    EXPECT_TRUE(contains(form.body, "private beta")) << form.body;
    const auto r = signupFrom(browser, "/signup", "stranger@example.com");
    EXPECT_EQ(r.status, 200) << r.body.substr(0, 500);
    EXPECT_TRUE(contains(r.body, kWaitlistText)) << r.body;
    EXPECT_TRUE(contains(r.body, "stranger@example.com"));
    EXPECT_FALSE(setsCookie(r, "rsolv_session"));
    EXPECT_EQ(app_.count("customers"), 0);
    EXPECT_EQ(app_.count("api_keys"), 0);
    EXPECT_EQ(app_.count("waitlist", "email_canonical = 'stranger@example.com'"), 1);
    // A second join of the same address is no error and no second row.
    HttpClient again(app_.port(), app_.publicUrl());
    const auto r2 = signupFrom(again, "/signup", "Stranger@Example.com", "Someone Else");
    EXPECT_EQ(r2.status, 200);
    EXPECT_TRUE(contains(r2.body, kWaitlistText));
    EXPECT_EQ(app_.count("waitlist"), 1);
    EXPECT_EQ(querySql(app_, "SELECT name FROM waitlist").front().str("name"), "Bea Beta") << "the first join stays";
    EXPECT_EQ(app_.count("provisioning_events", "event_type = 'signup_rejected'"), 2);
    // Disposable addresses are still refused, and join nothing.
    const auto disposable = signupFrom(again, "/signup", "someone@mailinator.com");
    EXPECT_EQ(disposable.status, 422);
    EXPECT_EQ(app_.count("waitlist"), 1);
}

TEST_P(AdminSignups, InvitedAddressesAndDomainsAreProvisioned) {
    Operator op = signInOperator(app_, "ops@example.net", "admin");
    ASSERT_EQ(operatorPost(op, "/admin/signups", "/admin/signups/mode", {{"mode", "invite"}, {"reason", "beta starts"}})
                  .status,
              303);
    ASSERT_EQ(operatorPost(op, "/admin/signups", "/admin/signups/invitations",
                           {{"invitee", "Beta@Example.com"}, {"reason", "design partner"}})
                  .status,
              303);
    const auto domain = runAdminCli(app_, {"invite", "acme-beta.com", "--reason", "whole company"});
    ASSERT_EQ(domain.status, 0) << domain.err;
    // This instance changed the mode itself: no waiting for the cache.
    HttpClient invited(app_.port(), app_.publicUrl());
    const auto r = signupFrom(invited, "/signup", "beta@example.com");
    EXPECT_EQ(r.status, 303) << r.body.substr(0, 500);
    EXPECT_EQ(pathOf(locationOf(app_, r)), "/welcome");
    EXPECT_FALSE(findApiKey(invited.get("/welcome").body).empty());
    HttpClient colleague(app_.port(), app_.publicUrl());
    EXPECT_EQ(signupFrom(colleague, "/signup", "anyone@acme-beta.com").status, 303);
    HttpClient stranger(app_.port(), app_.publicUrl());
    EXPECT_EQ(signupFrom(stranger, "/signup", "other@example.com").status, 200);
    EXPECT_EQ(customers("beta@example.com"), 1);
    EXPECT_EQ(customers("anyone@acme-beta.com"), 1);
    EXPECT_EQ(customers("other@example.com"), 0);
    EXPECT_EQ(app_.count("invitations", "kind = 'email' AND used_at IS NOT NULL AND customer_id IS NOT NULL"), 1);
    // The console lists them; each change has its audit row.
    const auto page = op.browser.get("/admin/signups");
    EXPECT_TRUE(contains(page.body, "beta@example.com"));
    EXPECT_TRUE(contains(page.body, "acme-beta.com"));
    EXPECT_TRUE(contains(page.body, "other@example.com")) << "the waitlist";
    EXPECT_EQ(auditRows(app_, "action = 'signup_mode.set'"),
              std::vector<std::string>{"operator:ops@example.net|signup_mode.set|signup_mode:mode|-|beta starts|"
                                       "{\"mode\":\"open\"}|{\"mode\":\"invite\"}"});
    const auto invites = auditRows(app_, "action = 'invitation.create'");
    ASSERT_EQ(invites.size(), 2u);
    EXPECT_EQ(invites[0].substr(0, invites[0].find('|')), "operator:ops@example.net");
    EXPECT_EQ(invites[1].substr(0, invites[1].find('|')), "cli:tester");
    EXPECT_FALSE(contains(invites[0], "beta@example.com")) << "no address in the append-only log";
    // Inviting again changes nothing.
    EXPECT_EQ(operatorPost(op, "/admin/signups", "/admin/signups/invitations",
                           {{"invitee", "beta@example.com"}, {"reason", "again"}})
                  .status,
              422);
}

// An invited address is told so by email, once, with the way in; a domain names nobody to write to.
TEST_P(AdminSignups, AnInvitedAddressGetsOneInvitationEmail) {
    setModeFromCli("invite");
    Operator op = signInOperator(app_, "ops@example.net", "admin");
    const auto invited = operatorPost(op, "/admin/signups", "/admin/signups/invitations",
                                      {{"invitee", "Partner@Example.com"}, {"reason", "design partner"}});
    ASSERT_EQ(invited.status, 303);
    ASSERT_EQ(runAdminCli(app_, {"invite", "acme-beta.com", "--reason", "whole company"}).status, 0);
    drainJobs(app_);
    drainJobs(app_);
    const auto mails = emailsTo(app_, "partner@example.com", kInvitationSubject);
    ASSERT_EQ(mails.size(), 1u) << "the invited address got no invitation (or two)";
    const auto invitation_id = querySql(app_, "SELECT id FROM invitations WHERE kind = 'email'").front().i64("id");
    EXPECT_EQ(mails[0].header("Message-ID"), "<invitation." + std::to_string(invitation_id) + "@rsolv.test>");
    EXPECT_TRUE(contains(mails[0].text, app_.publicUrl() + "/signup")) << mails[0].text;
    EXPECT_FALSE(contains(mails[0].text, "Hello ,")) << mails[0].text;
    EXPECT_EQ(app_.count("email_deliveries", "kind = 'email.invitation'"), 1) << "a domain invitation was emailed";
    const auto by_cli = runAdminCli(app_, {"invite", "second@example.com", "--reason", "another partner"});
    ASSERT_EQ(by_cli.status, 0) << by_cli.err;
    EXPECT_TRUE(contains(by_cli.out, "an invitation email is on its way")) << by_cli.out;
    drainJobs(app_);
    EXPECT_EQ(emailsTo(app_, "second@example.com", kInvitationSubject).size(), 1u);

    // The address signs up with what the email says.
    HttpClient partner(app_.port(), app_.publicUrl());
    EXPECT_EQ(signupFrom(partner, "/signup", "partner@example.com").status, 303);
    EXPECT_EQ(customers("partner@example.com"), 1);
}

TEST_P(AdminSignups, AnApprovedWaitlistEntryGetsAnInvitationLinkThatWorksOnce) {
    setModeFromCli("invite");
    HttpClient waiting(app_.port(), app_.publicUrl());
    ASSERT_EQ(signupFrom(waiting, "/signup", "waiting@example.com", "Wanda Wait").status, 200);
    const auto entry = querySql(app_, "SELECT id FROM waitlist").front().i64("id");
    Operator op = signInOperator(app_, "ops@example.net", "admin");
    ASSERT_EQ(operatorPost(op, "/admin/signups", "/admin/signups/waitlist/" + std::to_string(entry) + "/approve",
                           {{"reason", "next in line"}})
                  .status,
              303);
    EXPECT_EQ(operatorPost(op, "/admin/signups", "/admin/signups/waitlist/" + std::to_string(entry) + "/approve",
                           {{"reason", "twice"}})
                  .status,
              422);
    drainJobs(app_);
    const auto mails = emailsTo(app_, "waiting@example.com", kInvitationSubject);
    ASSERT_EQ(mails.size(), 1u);
    const auto invitation_id = querySql(app_, "SELECT id FROM invitations WHERE kind = 'link'").front().i64("id");
    EXPECT_EQ(mails[0].header("Message-ID"), "<invitation." + std::to_string(invitation_id) + "@rsolv.test>");
    EXPECT_EQ(app_.count("email_deliveries", "kind = 'email.invitation'"), 1);
    EXPECT_EQ(app_.count("jobs", "payload LIKE '%sealed_token%'"), 0) << "the sent job forgets the token";
    const std::string link = invitationLinkIn(mails[0].text);
    ASSERT_FALSE(link.empty()) << mails[0].text;
    EXPECT_EQ(auditRows(app_, "action = 'waitlist.approve'").size(), 1u);

    // The link lets one account in, with any address its holder types.
    HttpClient holder(app_.port(), app_.publicUrl());
    EXPECT_TRUE(contains(holder.get(link).body, "You have an invitation"));
    const auto r = signupFrom(holder, link, "wanda@example.com", "Wanda Wait");
    EXPECT_EQ(r.status, 303) << r.body.substr(0, 500);
    EXPECT_EQ(customers("wanda@example.com"), 1);
    EXPECT_EQ(app_.count("invitations", "kind = 'link' AND used_at IS NOT NULL AND customer_id IS NOT NULL"), 1);
    // Once.
    HttpClient second(app_.port(), app_.publicUrl());
    EXPECT_TRUE(contains(second.get(link).body, "has been used already"));
    const auto again = second.postForm("/signup", {{"csrf_token", csrfOf(second.get(link).body)},
                                                   {"email", "friend@example.com"},
                                                   {"name", "Fred Friend"},
                                                   {"invitation", tokenOf(link)}});
    EXPECT_EQ(again.status, 200) << again.body.substr(0, 300);
    EXPECT_TRUE(contains(again.body, kWaitlistText));
    EXPECT_EQ(customers("friend@example.com"), 0);
}

TEST_P(AdminSignups, ClosedModeWaitlistsEveryoneEvenTheInvited) {
    ASSERT_EQ(runAdminCli(app_, {"invite", "beta@example.com", "--reason", "partner"}).status, 0);
    setModeFromCli("closed");
    HttpClient browser(app_.port(), app_.publicUrl());
    const auto r = signupFrom(browser, "/signup", "beta@example.com");
    EXPECT_EQ(r.status, 200);
    EXPECT_TRUE(contains(r.body, kWaitlistText));
    EXPECT_EQ(app_.count("customers"), 0);
    setModeFromCli("open");
    EXPECT_EQ(signupFrom(browser, "/signup", "beta@example.com").status, 303) << "open again";
}

TEST_P(AdminSignups, TheModeChangeReachesASecondInstanceOnTheSameDatabase) {
    app::App second(app_.config(), app_.clock(), app_.ticks());
    second.startHttp();
    HttpClient there(second.port(), app_.publicUrl());
    EXPECT_FALSE(contains(there.get("/signup").body, "private beta"));
    Operator op = signInOperator(app_, "ops@example.net", "admin");
    ASSERT_EQ(operatorPost(op, "/admin/signups", "/admin/signups/mode", {{"mode", "closed"}, {"reason", "pause"}})
                  .status,
              303);
    app_.clock().advance(std::chrono::seconds(3));
    EXPECT_TRUE(contains(there.get("/signup").body, "private beta"));
    const auto r = signupFrom(there, "/signup", "late@example.com");
    EXPECT_EQ(r.status, 200);
    EXPECT_TRUE(contains(r.body, kWaitlistText));
    EXPECT_EQ(app_.count("customers"), 0);
    second.stopHttp();
}

TEST_P(AdminSignups, TheCommandLineReadsAndChangesModesInvitationsAndTheWaitlist) {
    auto mode = runAdminCli(app_, {"signup-mode"});
    EXPECT_EQ(mode.status, 0) << mode.err;
    EXPECT_EQ(mode.out, "open\n");
    EXPECT_NE(runAdminCli(app_, {"signup-mode", "invite"}).status, 0) << "a change needs --reason";
    EXPECT_NE(runAdminCli(app_, {"signup-mode", "sideways", "--reason", "x"}).status, 0);
    setModeFromCli("invite");
    mode = runAdminCli(app_, {"signup-mode", "--json"});
    EXPECT_EQ(nlohmann::json::parse(mode.out).value("mode", ""), "invite") << mode.out;
    EXPECT_NE(runAdminCli(app_, {"signup-mode", "invite", "--reason", "again"}).status, 0) << "unchanged";
    EXPECT_NE(runAdminCli(app_, {"invite", "not an address", "--reason", "x"}).status, 0);

    HttpClient browser(app_.port(), app_.publicUrl());
    ASSERT_EQ(signupFrom(browser, "/signup", "queued@example.com").status, 200);
    const auto list = runAdminCli(app_, {"waitlist", "list", "--json"});
    ASSERT_EQ(list.status, 0) << list.err;
    const auto rows = nlohmann::json::parse(list.out).at("waitlist");
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0].value("email", ""), "queued@example.com");
    const auto approve = runAdminCli(app_, {"waitlist", "approve", "queued@example.com", "--reason", "welcome"});
    EXPECT_EQ(approve.status, 0) << approve.err;
    EXPECT_NE(runAdminCli(app_, {"waitlist", "approve", "nobody@example.com", "--reason", "x"}).status, 0);
    drainJobs(app_);
    const auto mails = emailsTo(app_, "queued@example.com", kInvitationSubject);
    ASSERT_EQ(mails.size(), 1u);
    HttpClient holder(app_.port(), app_.publicUrl());
    EXPECT_EQ(signupFrom(holder, invitationLinkIn(mails[0].text), "queued@example.com").status, 303);
    EXPECT_EQ(auditRows(app_, "actor = 'cli:tester'").size(), 2u) << "mode and approval";
}

TEST_P(AdminSignups, NeitherASignupChangeNorItsAuditRowWithoutTheOther) {
    HttpClient browser(app_.port(), app_.publicUrl());
    ASSERT_EQ(runAdminCli(app_, {"signup-mode", "closed", "--reason", "x"}).status, 0);
    app_.clock().advance(std::chrono::seconds(3));
    ASSERT_EQ(signupFrom(browser, "/signup", "queued@example.com").status, 200);
    const auto entry = querySql(app_, "SELECT id FROM waitlist").front().i64("id");
    Operator op = signInOperator(app_, "ops@example.net", "admin");
    const std::string token = csrfOf(op.browser.get("/admin/signups").body);
    const bool pg = app_.db().dialect() == storage::Dialect::Postgres;
    querySql(app_,
             pg ? "ALTER TABLE audit_log ADD CONSTRAINT audit_injected_failure CHECK (false) NOT VALID"
                : "CREATE TRIGGER audit_injected_failure BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'injected'); END",
             {}, storage::TxMode::Write);
    const auto before = databaseSnapshot(app_);
    for (const auto& [action, fields] : std::vector<std::pair<std::string, std::map<std::string, std::string>>>{
             {"/admin/signups/mode", {{"mode", "invite"}}},
             {"/admin/signups/invitations", {{"invitee", "beta@example.com"}}},
             {"/admin/signups/waitlist/" + std::to_string(entry) + "/approve", {}}}) {
        auto form = fields;
        form["reason"] = "injected failure";
        form["csrf_token"] = token;
        EXPECT_EQ(op.browser.postForm(action, form).status, 500) << action;
    }
    EXPECT_EQ(snapshotDiff(before, databaseSnapshot(app_)), "") << "a change survived without its audit row";
    querySql(app_, pg ? "ALTER TABLE audit_log DROP CONSTRAINT audit_injected_failure" : "DROP TRIGGER audit_injected_failure",
             {}, storage::TxMode::Write);
}

INSTANTIATE_TEST_SUITE_P(Backends, AdminSignups, kBothBackends, backendName);

}  // namespace
}  // namespace rsolv::test
