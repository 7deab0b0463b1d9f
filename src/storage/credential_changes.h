#pragma once

#include <string_view>

namespace rsolv::storage {

/// True for a statement that can change whether an API key is accepted: an UPDATE of api_keys that sets revoked_at or
/// expires_at, an UPDATE of customers that sets status, or a DELETE from either table. The storage layer tells its
/// credentials observer after a transaction that ran one (and changed rows) commits, whoever wrote the statement:
/// every path that revokes, expires, suspends or erases invalidates the API key cache, present and future ones alike.
bool changesCredentials(std::string_view sql);

/// True for a statement that can change what `GET /api/v1/account` shows: an UPDATE of customers that sets the plan,
/// the trial limit or a trial counter, or a DELETE from customers. After a commit that ran one (and changed rows) the
/// storage layer tells its accounts observer, which empties this process's cache of accounts (domain/api_account.h).
bool changesAccounts(std::string_view sql);

/// What a statement can change, as bits: the caches a commit that ran it must empty.
enum Changes : unsigned { kChangesNothing = 0, kChangesCredentials = 1, kChangesAccounts = 2 };
unsigned changesOf(std::string_view sql);

/// The PostgreSQL channel on which a transaction that changed credentials notifies every instance, with its commit.
inline constexpr std::string_view kCredentialsChannel = "rsolv_credentials";

}  // namespace rsolv::storage

#include <functional>

namespace rsolv::storage {

/// Implemented by the databases (beside storage::Database): who to tell after a commit that changed credentials or
/// accounts.
class CredentialsObservable {
public:
    virtual ~CredentialsObservable() = default;
    /// Called after every commit of a transaction that ran a statement for which changesCredentials() is true and
    /// that changed rows, on the committing thread. Set once, before any transaction begins.
    void onCredentialsChanged(std::function<void()> observer) { credentials_changed_ = std::move(observer); }
    /// The same for changesAccounts().
    void onAccountsChanged(std::function<void()> observer) { accounts_changed_ = std::move(observer); }
    /// Tells the observers of `changes` (bits of Changes).
    void committed(unsigned changes) const {
        if ((changes & kChangesCredentials) && credentials_changed_) credentials_changed_();
        if ((changes & kChangesAccounts) && accounts_changed_) accounts_changed_();
    }

private:
    std::function<void()> credentials_changed_;
    std::function<void()> accounts_changed_;
};

}  // namespace rsolv::storage
