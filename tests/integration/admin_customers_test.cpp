// Issue 12, /admin/customers: search by email, name, company or key identifier, filters, keyset pagination, and a
// CSV export whose cells a spreadsheet cannot run as formulas; the customer's page and /admin at a glance.

#include "integration/admin_test_helpers.h"

namespace rsolv::test {
namespace {

class AdminCustomers : public ::testing::TestWithParam<Backend> {
protected:
    TestApp app_{GetParam(), dashboardConfig([](app::Config& c) { c.signups_per_ip_per_hour = 1000; })};
};

/// The emails listed in the customers table of a page, in order.
std::vector<std::string> listedEmails(const std::string& html) {
    std::vector<std::string> out;
    const std::regex link("<a href=\"/admin/customers/[0-9]+\">([^<]*)</a>");
    for (auto it = std::sregex_iterator(html.begin(), html.end(), link); it != std::sregex_iterator(); ++it)
        out.push_back((*it)[1].str());
    return out;
}

TEST_P(AdminCustomers, SearchFiltersPagesAndExports) {
    Customer ada = signUpCustomer(app_, "ada@example.com", "Ada Lovelace", "Analytical Engines");
    Customer grace = signUpCustomer(app_, "grace@example.com", "Grace Hopper", "=HYPERLINK(\"http://evil\")");
    for (int i = 0; i < 55; ++i) signUpCustomer(app_, "bulk" + std::to_string(i) + "@example.org", "Bulk Buyer");
    Operator op = signInOperator(app_, "ops@example.net", "viewer");

    EXPECT_EQ(listedEmails(op.browser.get("/admin/customers?q=LOVELACE").body),
              std::vector<std::string>{"ada@example.com"}) << "name, any case";
    EXPECT_EQ(listedEmails(op.browser.get("/admin/customers?q=analytical").body),
              std::vector<std::string>{"ada@example.com"}) << "company";
    EXPECT_EQ(listedEmails(op.browser.get("/admin/customers?q=grace%40").body),
              std::vector<std::string>{"grace@example.com"}) << "email";
    const auto display = querySql(app_, "SELECT display_id FROM api_keys WHERE customer_id = $1", {grace.id})
                             .front()
                             .str("display_id");
    EXPECT_EQ(listedEmails(op.browser.get("/admin/customers?q=" + urlEncode(display)).body),
              std::vector<std::string>{"grace@example.com"}) << "key identifier " << display;
    EXPECT_TRUE(listedEmails(op.browser.get("/admin/customers?q=100%25").body).empty()) << "% is a character";

    // Status filter.
    querySql(app_, "UPDATE customers SET status = 'suspended' WHERE id = $1", {ada.id}, storage::TxMode::Write);
    EXPECT_EQ(listedEmails(op.browser.get("/admin/customers?status=suspended").body),
              std::vector<std::string>{"ada@example.com"});
    // Trial used up.
    querySql(app_, "UPDATE customers SET trial_fixes_used = trial_fixes_limit WHERE id = $1", {grace.id},
             storage::TxMode::Write);
    EXPECT_EQ(listedEmails(op.browser.get("/admin/customers?trial=used_up").body),
              std::vector<std::string>{"grace@example.com"});

    // Keyset pagination: 57 customers, 50 a page, newest first, no one twice or missing.
    const auto first = op.browser.get("/admin/customers");
    const auto page1 = listedEmails(first.body);
    ASSERT_EQ(page1.size(), 50u);
    EXPECT_EQ(page1.front(), "bulk54@example.org");
    std::smatch m;
    const std::string tag = openingTagWithId(first.body, "next-page");
    ASSERT_TRUE(std::regex_search(tag, m, std::regex("href=\"([^\"]+)\""))) << tag;
    const auto page2 = listedEmails(op.browser.get(decodeEntities(m[1].str())).body);
    ASSERT_EQ(page2.size(), 7u);
    EXPECT_EQ(page2.back(), "ada@example.com");
    std::set<std::string> seen(page1.begin(), page1.end());
    seen.insert(page2.begin(), page2.end());
    EXPECT_EQ(seen.size(), 57u);

    // CSV: every matching customer; a cell that starts like a formula is defused.
    const auto csv = op.browser.get("/admin/customers.csv?q=example.com");
    ASSERT_EQ(csv.status, 200);
    EXPECT_TRUE(contains(csv.header("content-type"), "text/csv"));
    EXPECT_TRUE(contains(csv.header("content-disposition"), "attachment"));
    EXPECT_TRUE(contains(csv.body, "\"ada@example.com\",\"Ada Lovelace\",\"Analytical Engines\""));
    EXPECT_TRUE(contains(csv.body, "\"'=HYPERLINK(\"\"http://evil\"\")\"")) << csv.body.substr(0, 600);
    EXPECT_FALSE(contains(csv.body, ",\"=HYPERLINK"));
    EXPECT_EQ(std::count(csv.body.begin(), csv.body.end(), '\n'), 3) << "header and two customers";
}

TEST_P(AdminCustomers, TheCustomerPageShowsEverythingAndHomeCountsSignups) {
    Customer c = signUpCustomer(app_, "detail@example.com", "Detail Person", "Detail Co");
    startFixAttempt(app_, c.key, "octo/detail-repo");
    drainJobs(app_);
    Operator op = signInOperator(app_, "ops@example.net", "viewer");
    const auto page = op.browser.get("/admin/customers/" + std::to_string(c.id));
    ASSERT_EQ(page.status, 200);
    for (const char* text : {"detail@example.com", "Detail Co", "1 / 10 fixes used", "octo/detail-repo",
                             "customer_created", "welcome_email", "email.welcome", "Default key"})
        EXPECT_TRUE(contains(page.body, text)) << text;
    EXPECT_EQ(op.browser.get("/admin/customers/999999").status, 404);
    EXPECT_EQ(op.browser.get("/admin/customers/abc").status, 404);

    HttpClient rejected(app_.port(), app_.publicUrl());
    rejected.signup("not-an-email", "Nobody");
    const auto home = op.browser.get("/admin");
    ASSERT_EQ(home.status, 200);
    const std::string signups = textOf(elementById(home.body, "table", "signups"));
    EXPECT_TRUE(contains(signups, "Provisioned 1 1")) << signups;
    EXPECT_TRUE(contains(signups, "invalid: 1")) << signups;
    EXPECT_TRUE(contains(textOf(elementById(home.body, "table", "job-queue")), "completed")) << home.body;
}

INSTANTIATE_TEST_SUITE_P(Backends, AdminCustomers, kBothBackends, backendName);

}  // namespace
}  // namespace rsolv::test
