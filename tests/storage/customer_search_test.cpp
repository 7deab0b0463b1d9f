// Issue 12, what the console's customer search finds (domain/admin/customers.cpp over the search index of migration
// 0012), on both backends: a substring of 3 characters or more of the email, name or company in any case; the start
// of one of them for 1 or 2 characters; the start of a key identifier, with or without "rsolv_"; wildcards and query
// syntax taken literally; the filters and keyset pagination combined with all of it; and an index that follows every
// change of a customer, erasure included.

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <set>

#include "domain/admin/customers.h"
#include "storage/api_key_repository.h"
#include "storage/customer_repository.h"
#include "storage/erasure_repository.h"
#include "support/test_app.h"

namespace rsolv::test {
namespace {

using storage::Transaction;
using storage::TxMode;

class CustomerSearch : public ::testing::TestWithParam<Backend> {
protected:
    void SetUp() override {
        database_ = std::make_unique<TestDatabase>(GetParam());
        db_ = database_->open();
    }

    std::int64_t add(const std::string& email, const std::string& name, std::optional<std::string> company = {},
                     const std::string& display_id = "") {
        return storage::inTransaction(*db_, TxMode::Write, [&](Transaction& tx) {
            storage::NewCustomer c;
            c.email = email;
            c.email_canonical = email + "#" + std::to_string(++added_);
            c.name = name;
            c.company = std::move(company);
            const auto id = storage::CustomerRepository(tx).insert(c, t0_ + std::chrono::hours(added_));
            if (!display_id.empty())
                storage::ApiKeyRepository(tx).insert(id, "hash-" + std::to_string(id), display_id, "Default key",
                                                     t0_);
            return id;
        });
    }

    domain::admin::CustomerPage page(storage::CustomerSearch s) {
        return storage::inTransaction(*db_, TxMode::Read,
                                      [&](Transaction& tx) { return domain::admin::searchCustomers(tx, s); });
    }

    /// The emails found for a query, newest first.
    std::vector<std::string> emails(const std::string& query) {
        storage::CustomerSearch s;
        s.query = query;
        std::vector<std::string> out;
        for (const auto& c : page(s).customers) out.push_back(c.email);
        return out;
    }

    void write(const std::function<void(Transaction&)>& fn) {
        storage::inTransaction(*db_, TxMode::Write, [&](Transaction& tx) { fn(tx); });
    }

    using Found = std::vector<std::string>;
    const Timestamp t0_ = testEpoch();
    int added_ = 0;
    std::unique_ptr<TestDatabase> database_;
    std::unique_ptr<storage::Database> db_;
};

TEST_P(CustomerSearch, ASubstringOfEmailNameOrCompanyInAnyCase) {
    add("ada@example.com", "Ada Lovelace", "Analytical Engines", "rsolv_AdaK…Zz01");
    add("grace.hopper@navy.example", "Grace Hopper", "US Navy", "rsolv_GrcK…Zz02");
    add("jane@example.org", "Jane Doë", std::nullopt);

    EXPECT_EQ(emails("LOVELACE"), Found{"ada@example.com"}) << "the middle of a name, any case";
    EXPECT_EQ(emails("lytical eng"), Found{"ada@example.com"}) << "the middle of a company, across a space";
    EXPECT_EQ(emails("HOPPER@NAVY"), Found{"grace.hopper@navy.example"}) << "the middle of an email";
    EXPECT_EQ(emails("example"), (Found{"jane@example.org", "grace.hopper@navy.example", "ada@example.com"}))
        << "newest first";
    EXPECT_EQ(emails("Doë"), Found{"jane@example.org"}) << "3 characters, 4 bytes";
    EXPECT_EQ(emails("  lovelace \t"), Found{"ada@example.com"}) << "surrounding blanks and controls are not part of it";
    EXPECT_TRUE(emails("lovelace hopper").empty()) << "no match spans two customers or two fields";
    EXPECT_TRUE(emails("lovelace analytical").empty()) << "no match spans two fields of one customer";
}

TEST_P(CustomerSearch, OneOrTwoCharactersMatchTheStartOfAField) {
    add("ada@example.com", "Ada Lovelace", "Analytical Engines");
    add("grace@example.com", "Grace Hopper", "Navy");
    add("zoe@example.com", "Zoë Quinn", "Cecil Corp");

    EXPECT_EQ(emails("gr"), Found{"grace@example.com"}) << "the start of an email or name";
    EXPECT_EQ(emails("A"), Found{"ada@example.com"}) << "one character, any case";
    EXPECT_EQ(emails("na"), Found{"grace@example.com"}) << "the start of a company";
    EXPECT_EQ(emails("ce"), Found{"zoe@example.com"}) << "Cecil Corp starts with it; grace@ only contains it";
    EXPECT_TRUE(emails("ov").empty()) << "inside 'Lovelace' and 'Hopper'... no field starts with it";
}

TEST_P(CustomerSearch, KeyIdentifiersByTheirStartWithOrWithoutThePrefix) {
    add("one@example.com", "One", std::nullopt, "rsolv_AbCd…WxYz");
    add("two@example.com", "Two", std::nullopt, "rsolv_AbXy…Qq12");
    add("three@example.com", "Three", std::nullopt, "rsolv_abcd…wxyz");

    EXPECT_EQ(emails("rsolv_AbCd…WxYz"), Found{"one@example.com"}) << "the whole identifier as shown";
    EXPECT_EQ(emails("rsolv_Ab"), (Found{"two@example.com", "one@example.com"})) << "its start";
    EXPECT_EQ(emails("AbCd"), Found{"one@example.com"}) << "without rsolv_, exact case";
    EXPECT_EQ(emails("abcd"), Found{"three@example.com"}) << "key identifiers are case-sensitive";
    EXPECT_TRUE(emails("WxYz").empty()) << "the end of an identifier is not its start";
}

TEST_P(CustomerSearch, WildcardsAndQuerySyntaxAreCharacters) {
    add("percent@example.com", "Percent", "100% Widgets");
    add("under@example.com", "Under", "a_b Ltd");
    add("plain@example.com", "Plain", "axb Ltd");
    add("quote@example.com", "Quote", "\"Quoted\" Co");

    EXPECT_EQ(emails("100%"), Found{"percent@example.com"});
    EXPECT_EQ(emails("a_b"), Found{"under@example.com"}) << "_ is not any character";
    EXPECT_TRUE(emails("%").empty()) << "one character: the start of a field, and no field starts with %";
    EXPECT_EQ(emails("\"quoted\" co"), Found{"quote@example.com"});
    for (const char* syntax : {"\"", "ltd OR x", "NEAR(a b)", "ltd*", "^ltd", "x:y", "a\\b", "'; --"})
        EXPECT_NO_THROW(emails(syntax)) << syntax;
    EXPECT_TRUE(emails("ltd OR plain").empty());
    EXPECT_TRUE(emails("ltd*").empty());
}

TEST_P(CustomerSearch, FiltersAndKeysetPagesCombineWithTheSearch) {
    std::vector<std::int64_t> matching;
    for (int i = 0; i < 120; ++i) {
        const auto id = add("bulk" + std::to_string(i) + "@example.com", "Bulk Buyer " + std::to_string(i));
        if (i % 3 != 0) matching.push_back(id);
        else write([&](Transaction& tx) { storage::CustomerRepository(tx).setStatus(id, "suspended", t0_); });
    }
    // A customer found only by a key identifier lands in its place among the pages.
    const auto by_key = add("other@example.com", "Other", std::nullopt, "rsolv_bulk…0001");
    matching.push_back(by_key);
    add("unrelated@example.com", "Unrelated");
    std::sort(matching.rbegin(), matching.rend());

    // A substring (the trigram index) and a start of 2 characters (whose full pages come from the newest customers,
    // the last one from the lower(...) indexes): the same customers, page after page.
    for (const char* query : {"bulk", "bu"}) {
        storage::CustomerSearch s;
        s.query = query;
        s.status = "active";
        s.limit = 30;
        std::vector<std::int64_t> seen;
        for (int pages = 0;; ++pages) {
            ASSERT_LT(pages, 10);
            const auto p = page(s);
            for (const auto& c : p.customers) seen.push_back(c.id);
            if (!p.next_before_id) break;
            EXPECT_EQ(p.customers.size(), 30u);
            s.before_id = *p.next_before_id;
        }
        EXPECT_EQ(seen, matching) << query << ": every active match once, newest first, the key's holder in its place";
    }

    // Trial used up, and the signup window.
    const auto used_up = add("bulk-used@example.com", "Bulk Used");
    write([&](Transaction& tx) { tx.execScript("UPDATE customers SET trial_fixes_used = trial_fixes_limit WHERE id = " +
                                               std::to_string(used_up)); });
    storage::CustomerSearch t;
    t.query = "BULK";
    t.trial = 1;
    ASSERT_EQ(page(t).customers.size(), 1u);
    EXPECT_EQ(page(t).customers[0].id, used_up);
    storage::CustomerSearch window;
    window.query = "bu";
    window.signed_up_from = t0_ + std::chrono::hours(3);
    window.signed_up_before = t0_ + std::chrono::hours(5);
    std::vector<std::string> found;
    for (const auto& c : page(window).customers) found.push_back(c.email);
    EXPECT_EQ(found, (Found{"bulk3@example.com", "bulk2@example.com"})) << "signed up in [3 h, 5 h)";
}

TEST_P(CustomerSearch, TheIndexFollowsEveryChangeOfACustomer) {
    const auto id = add("before@example.com", "Old Name", "Old Company");
    write([&](Transaction& tx) {
        storage::CustomerRepository(tx).updateProfile(id, "New Name", std::string("New Company"), t0_);
    });
    EXPECT_TRUE(emails("old name").empty());
    EXPECT_TRUE(emails("old company").empty());
    EXPECT_EQ(emails("new name"), Found{"before@example.com"});
    write([&](Transaction& tx) {
        storage::CustomerRepository(tx).changeEmail(id, "after@example.com", "after@example.com", t0_);
    });
    EXPECT_TRUE(emails("before@").empty());
    EXPECT_EQ(emails("after@"), Found{"after@example.com"});

    write([&](Transaction& tx) { storage::ErasureRepository(tx).anonymiseCustomer(id, "erased-1@invalid", t0_); });
    for (const char* gone : {"after@", "new name", "new company", "af", "ne"})
        EXPECT_TRUE(emails(gone).empty()) << gone;

    const auto removed = add("removed@example.com", "Removed Person");
    write([&](Transaction& tx) { tx.execScript("DELETE FROM customers WHERE id = " + std::to_string(removed)); });
    EXPECT_TRUE(emails("removed").empty());
}

INSTANTIATE_TEST_SUITE_P(Backends, CustomerSearch, kBothBackends, backendName);

}  // namespace
}  // namespace rsolv::test
