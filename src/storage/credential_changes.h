#pragma once

#include <string_view>

namespace rsolv::storage {

/// True for a statement that can change whether an API key is accepted: an UPDATE of api_keys that sets revoked_at or
/// expires_at, an UPDATE of customers that sets status, or a DELETE from either table. The storage layer tells its
/// credentials observer after a transaction that ran one (and changed rows) commits, whoever wrote the statement:
/// every path that revokes, expires, suspends or erases invalidates the API key cache, present and future ones alike.
bool changesCredentials(std::string_view sql);

/// The PostgreSQL channel on which a transaction that changed credentials notifies every instance, with its commit.
inline constexpr std::string_view kCredentialsChannel = "rsolv_credentials";

}  // namespace rsolv::storage

#include <functional>

namespace rsolv::storage {

/// Implemented by the databases (beside storage::Database): who to tell after a commit that changed credentials.
class CredentialsObservable {
public:
    virtual ~CredentialsObservable() = default;
    /// Called after every commit of a transaction that ran a statement for which changesCredentials() is true and
    /// that changed rows, on the committing thread. Set once, before any transaction begins.
    void onCredentialsChanged(std::function<void()> observer) { credentials_changed_ = std::move(observer); }
    void credentialsChanged() const {
        if (credentials_changed_) credentials_changed_();
    }

private:
    std::function<void()> credentials_changed_;
};

}  // namespace rsolv::storage
