#pragma once

#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>

#include "storage/sql.h"

namespace rsolv::storage {

/// What went wrong in storage, in the terms callers act on.
class StorageError : public std::runtime_error {
public:
    enum class Kind {
        Unavailable,      ///< cannot reach the database or get a connection: 503
        UniqueViolation,  ///< a unique constraint said no: the caller may treat it as "already exists"
        Conflict,         ///< serialisation failure or deadlock: safe to retry the whole transaction
        Other,
    };
    StorageError(Kind kind, const std::string& what) : std::runtime_error(what), kind_(kind) {}
    Kind kind() const { return kind_; }

private:
    Kind kind_;
};

enum class TxMode {
    Read,   ///< reads only
    /// One read statement and nothing else, without BEGIN and COMMIT around it: one round trip on PostgreSQL instead
    /// of three. It sees what was committed when it runs, as every statement of a Read transaction does on PostgreSQL
    /// (READ COMMITTED). A second statement, a script or a lock is a programming error (std::logic_error).
    SingleRead,
    Write,  ///< writes: takes SQLite's write lock up front (BEGIN IMMEDIATE), so read-then-write cannot fail with BUSY
};

/// One database transaction on a pooled connection. Rolled back when destroyed without commit().
class Transaction {
public:
    virtual ~Transaction() = default;
    virtual ResultSet exec(const Query& query, const Params& params = {}) = 0;
    /// Runs several statements at once (migrations).
    virtual void execScript(std::string_view sql) = 0;
    /// Serialises every transaction that locks the same key until this one ends: pg_advisory_xact_lock on PostgreSQL;
    /// on SQLite the write lock of BEGIN IMMEDIATE already serialises writers, so it does nothing there.
    virtual void lockKey(std::string_view key) = 0;
    virtual void commit() = 0;
    virtual Dialect dialect() const = 0;
};

/// For the backends' transactions: what a SingleRead transaction refuses (a second statement, a script, a lock).
class SingleReadGuard {
public:
    explicit SingleReadGuard(TxMode mode) : active_(mode == TxMode::SingleRead) {}
    bool active() const { return active_; }
    void statement() {
        if (active_ && statements_++ > 0) throw std::logic_error("a SingleRead transaction runs one statement");
    }
    void refuse(const char* what) const {
        if (active_) throw std::logic_error(std::string("a SingleRead transaction cannot run ") + what);
    }

private:
    bool active_;
    int statements_ = 0;
};

/// The storage seam: SQLite and PostgreSQL implement it; repositories run their named queries through a Transaction.
class Database {
public:
    virtual ~Database() = default;
    virtual Dialect dialect() const = 0;
    virtual std::unique_ptr<Transaction> begin(TxMode mode) = 0;
    /// A short description for logs with no credentials in it.
    virtual std::string describe() const = 0;
    /// The connection pool's state, for metrics.
    struct PoolStats {
        int open = 0, idle = 0, max = 0, waiting = 0;
    };
    virtual PoolStats poolStats() { return {}; }
};

/// Runs `fn(tx)` in one transaction and commits when it returns; any exception rolls everything back.
template <class F>
auto inTransaction(Database& db, TxMode mode, F&& fn) -> std::invoke_result_t<F, Transaction&> {
    auto tx = db.begin(mode);
    if constexpr (std::is_void_v<std::invoke_result_t<F, Transaction&>>) {
        fn(*tx);
        tx->commit();
    } else {
        auto result = fn(*tx);
        tx->commit();
        return result;
    }
}

struct DatabaseOptions {
    std::string url;        ///< "sqlite:PATH" or "postgresql://..."
    int pool_size = 10;     ///< connections per process
    int acquire_timeout_ms = 5000;
};

/// Opens the database a URL names. Throws std::invalid_argument for a URL of no known kind.
std::unique_ptr<Database> openDatabase(const DatabaseOptions& options);

}  // namespace rsolv::storage
