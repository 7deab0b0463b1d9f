// Which statements empty the API key cache (issue 11): those that can change whether a key is accepted, and no others
// (a cache emptied by every trial credit would be no cache).

#include <gtest/gtest.h>

#include "storage/credential_changes.h"

namespace rsolv::storage {
namespace {

TEST(CredentialChanges, StatementsThatRevokeExpireSuspendOrDelete) {
    EXPECT_TRUE(changesCredentials("UPDATE api_keys SET revoked_at = $3 WHERE id = $1 AND customer_id = $2"));
    EXPECT_TRUE(changesCredentials("update api_keys set expires_at = $2 where key_hash = $1"));
    EXPECT_TRUE(changesCredentials("UPDATE customers SET status = $2, updated_at = $3 WHERE id = $1 AND status <> $2"));
    EXPECT_TRUE(changesCredentials("UPDATE customers SET email = $2, name = 'Erased customer', status = 'suspended', "
                                   "erased_at = $3 WHERE id = $1"));
    EXPECT_TRUE(changesCredentials("DELETE FROM api_keys WHERE customer_id = $1"));
    EXPECT_TRUE(changesCredentials("DELETE FROM customers WHERE id = $1"));
}

TEST(CredentialChanges, StatementsThatLeaveKeysAlone) {
    EXPECT_FALSE(changesCredentials("UPDATE api_keys SET last_used_at = $2 WHERE id = $1"));
    EXPECT_FALSE(changesCredentials("UPDATE customers SET trial_fixes_used = trial_fixes_used + 1, updated_at = $2 "
                                    "WHERE id = $1 AND status = 'active' AND trial_fixes_used < trial_fixes_limit"));
    EXPECT_FALSE(changesCredentials("SELECT status FROM customers WHERE id = $1"));
    EXPECT_FALSE(changesCredentials("INSERT INTO api_keys (customer_id, key_hash) VALUES ($1, $2)"));
    EXPECT_FALSE(changesCredentials("DELETE FROM api_keys_archive WHERE id = $1"));
    EXPECT_FALSE(changesCredentials("UPDATE customers_stats SET status = 'x'"));
}

// Which statements empty the cache of accounts behind GET /api/v1/account: what that answer shows, nothing else.
TEST(AccountChanges, StatementsThatChangeThePlanTheLimitOrACounter) {
    EXPECT_TRUE(changesAccounts("UPDATE customers SET trial_fixes_used = trial_fixes_used + 1, updated_at = $2 "
                                "WHERE id = $1 AND status = 'active' AND trial_fixes_used < trial_fixes_limit"));
    EXPECT_TRUE(changesAccounts("UPDATE customers SET trial_fixes_used = trial_fixes_used - 1, trial_refunds_used = "
                                "trial_refunds_used + 1, updated_at = $2 WHERE id = $1"));
    EXPECT_TRUE(changesAccounts("UPDATE customers SET trial_fixes_limit = trial_fixes_limit + $2 WHERE id = $1"));
    EXPECT_TRUE(changesAccounts("update customers set subscription_plan = 'pro' where id = $1"));
    EXPECT_TRUE(changesAccounts("DELETE FROM customers WHERE id = $1"));
    EXPECT_EQ(changesOf("UPDATE customers SET trial_fixes_used = 0 WHERE id = $1"), unsigned(kChangesAccounts));
    EXPECT_EQ(changesOf("DELETE FROM customers WHERE id = $1"), unsigned(kChangesCredentials | kChangesAccounts));
}

TEST(AccountChanges, StatementsThatLeaveTheAnswerAlone) {
    EXPECT_FALSE(changesAccounts("UPDATE customers SET first_api_call_at = $2 WHERE id = $1"));
    EXPECT_FALSE(changesAccounts("UPDATE customers SET name = $2, company = $3, updated_at = $4 WHERE id = $1 "
                                 "AND trial_fixes_used < trial_fixes_limit"));
    EXPECT_FALSE(changesAccounts("SELECT trial_fixes_used FROM customers WHERE id = $1"));
    EXPECT_FALSE(changesAccounts("UPDATE api_keys SET revoked_at = $2 WHERE id = $1"));
    EXPECT_EQ(changesOf("UPDATE api_keys SET last_used_at = $2 WHERE id = $1"), unsigned(kChangesNothing));
}

}  // namespace
}  // namespace rsolv::storage
