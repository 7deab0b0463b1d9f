#pragma once

#include <optional>
#include <string>

#include "storage/database.h"

namespace rsolv::storage {

struct CustomerRecord {
    std::int64_t id = 0;
    std::string email;
    std::string email_canonical;
    std::string name;
    std::optional<std::string> company;
    std::string subscription_plan;
    int trial_fixes_limit = 0;
    int trial_fixes_used = 0;
    bool auto_provisioned = false;
    std::optional<Timestamp> onboarding_completed_at;
    std::string status;
    bool onboarding_emails = true;                   ///< false once the customer unsubscribed
    std::optional<Timestamp> email_undeliverable_at;  ///< set when the mail server refused the address for good
    Timestamp created_at;
    Timestamp updated_at;
    std::optional<Timestamp> first_api_call_at;      ///< any key used on the API
    std::optional<Timestamp> first_fix_attempt_at;
    std::optional<Timestamp> onboarding_skipped_at;  ///< the setup wizard was put off
    int trial_refunds_used = 0;                      ///< failed attempts that gave their credit back
    std::optional<Timestamp> email_verified_at;      ///< first use of an emailed link (issue 9)
};

struct NewCustomer {
    std::string email;
    std::string email_canonical;
    std::string name;
    std::optional<std::string> company;
    std::string subscription_plan = "trial";
    int trial_fixes_limit = 10;
    bool auto_provisioned = false;
};

class CustomerRepository {
public:
    explicit CustomerRepository(Transaction& tx) : tx_(tx) {}
    /// Inserts and returns the new id; StorageError::UniqueViolation when the canonical email is taken.
    std::int64_t insert(const NewCustomer& c, Timestamp now);
    std::optional<CustomerRecord> findById(std::int64_t id);
    std::optional<CustomerRecord> findByCanonicalEmail(const std::string& canonical);
    std::int64_t count();
    void setOnboardingEmails(std::int64_t id, bool enabled, Timestamp now);
    void markEmailUndeliverable(std::int64_t id, Timestamp now);
    void updateProfile(std::int64_t id, const std::string& name, const std::optional<std::string>& company,
                       Timestamp now);
    /// StorageError::UniqueViolation when another customer has the canonical email.
    void changeEmail(std::int64_t id, const std::string& email, const std::string& canonical, Timestamp now);
    /// False when the status was already that.
    bool setStatus(std::int64_t id, const std::string& status, Timestamp now);
    /// True only the first time.
    bool completeOnboarding(std::int64_t id, Timestamp now);
    bool skipOnboarding(std::int64_t id, Timestamp now);
    /// Takes one trial fix in one statement (rules.md #1); nothing when none is left or the customer is suspended.
    struct Credits {
        int used = 0;
        int limit = 0;
    };
    std::optional<Credits> consumeFixCredit(std::int64_t id, Timestamp now);
    /// Gives one credit back and counts the refund in one statement, only while fewer than `max_refunds` were given
    /// (rules.md #1): the refunds used after it, or nothing when the limit is reached (or no credit is in use).
    std::optional<int> refundFixCredit(std::int64_t id, int max_refunds, Timestamp now);
    /// True only for the call that sets it first, so "first" events are recorded once.
    bool markFirstApiCall(std::int64_t id, Timestamp now);
    bool markFirstFixAttempt(std::int64_t id, Timestamp now);
    /// True only the first time: the address was proved by an emailed link.
    bool markEmailVerified(std::int64_t id, Timestamp now);

private:
    Transaction& tx_;
};

}  // namespace rsolv::storage
