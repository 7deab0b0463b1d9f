#pragma once
// Issue 9: the first use of an emailed link proves a customer's address, ends every other session and opens the
// review. Suites about something else first prove the address this way, so their sign-ins behave as ordinary ones.

#include "integration/dashboard_test_helpers.h"

namespace rsolv::test {

/// Signs `browser` in as `email` by a fresh link (the first proof: every other session of the account ends) and
/// answers the review "these were me, keep them".
inline void confirmEmailOf(TestApp& app, HttpClient& browser, const std::string& email) {
    const auto r = signInByEmail(app, browser, email);
    EXPECT_EQ(pathOf(locationOf(app, r)), "/dashboard/review") << "the address was proved before";
    const auto kept = submitForm(browser, "/dashboard/review", "/dashboard/review/keep");
    EXPECT_EQ(kept.status, 303) << kept.body.substr(0, 300);
}

}  // namespace rsolv::test
