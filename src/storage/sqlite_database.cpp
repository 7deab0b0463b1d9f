#include "storage/sqlite_database.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <SQLiteCpp/SQLiteCpp.h>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <thread>
#include <unordered_map>

#include "storage/connection_pool.h"
#include "storage/credential_changes.h"

namespace rsolv::storage {
namespace {

constexpr int kBusyTimeoutMs = 10000;
constexpr int kWalAttempts = 50;

/// Switches the file to WAL, retrying while another connection (another process starting at the same moment) holds
/// a lock: the switch needs an exclusive lock and SQLite answers "database is locked" at once instead of waiting.
void switchToWal(const std::string& path) {
    SQLite::Database db(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE | SQLite::OPEN_FULLMUTEX);
    db.setBusyTimeout(kBusyTimeoutMs);
    for (int attempt = 1;; ++attempt) {
        try {
            const std::string mode = db.execAndGet("PRAGMA journal_mode=WAL").getString();
            if (mode == "wal") return;
            throw std::runtime_error("SQLite refused WAL mode for " + path + " (journal mode is " + mode + ")");
        } catch (const SQLite::Exception& e) {
            const int primary = e.getErrorCode() & 0xff;
            if ((primary != SQLITE_BUSY && primary != SQLITE_LOCKED) || attempt == kWalAttempts) throw;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10 * std::min(attempt, 10)));
    }
}

/// A connection with its prepared statements, cached by the address of the query text (queries are constants).
struct SqliteConnection {
    explicit SqliteConnection(const std::string& path)
        : db(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE | SQLite::OPEN_FULLMUTEX) {
        db.setBusyTimeout(kBusyTimeoutMs);
        // WAL is a property of the file, set once by switchToWal before the pool opens any connection.
        db.exec("PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;");
    }
    SQLite::Statement& statement(const Query& q) {
        const void* key = q.sqlite.empty() ? q.postgres.data() : q.sqlite.data();
        auto it = statements.find(key);
        if (it == statements.end()) {
            const std::string sql = q.sqlite.empty() ? toSqlitePlaceholders(q.postgres) : std::string(q.sqlite);
            it = statements.emplace(key, std::make_unique<SQLite::Statement>(db, sql)).first;
        }
        return *it->second;
    }
    /// changesOf() the query, remembered like its statement.
    unsigned changes(const Query& q) {
        const void* key = q.sqlite.empty() ? q.postgres.data() : q.sqlite.data();
        auto it = changes_of.find(key);
        if (it == changes_of.end())
            it = changes_of.emplace(key, storage::changesOf(q.sqlite.empty() ? q.postgres : q.sqlite)).first;
        return it->second;
    }
    SQLite::Database db;
    std::unordered_map<const void*, std::unique_ptr<SQLite::Statement>> statements;
    std::unordered_map<const void*, unsigned> changes_of;
};

[[noreturn]] void rethrow(const SQLite::Exception& e) {
    const int primary = e.getErrorCode() & 0xff;
    const int extended = e.getExtendedErrorCode();
    if (extended == SQLITE_CONSTRAINT_UNIQUE || extended == SQLITE_CONSTRAINT_PRIMARYKEY)
        throw StorageError(StorageError::Kind::UniqueViolation, e.what());
    if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED)
        throw StorageError(StorageError::Kind::Conflict, e.what());
    if (primary == SQLITE_CANTOPEN || primary == SQLITE_IOERR || primary == SQLITE_FULL || primary == SQLITE_READONLY)
        throw StorageError(StorageError::Kind::Unavailable, e.what());
    throw StorageError(StorageError::Kind::Other, e.what());
}

using Pool = ConnectionPool<SqliteConnection>;

class SqliteTransaction final : public Transaction {
public:
    SqliteTransaction(Pool::Lease lease, TxMode mode, const CredentialsObservable& owner)
        : lease_(std::move(lease)), owner_(owner), single_read_(mode) {
        if (single_read_.active()) {
            open_ = false;  // the statement is its own transaction
            return;
        }
        try {
            lease_->db.exec(mode == TxMode::Write ? "BEGIN IMMEDIATE" : "BEGIN");
        } catch (const SQLite::Exception& e) {
            rethrow(e);
        }
    }
    ~SqliteTransaction() override {
        if (open_) {
            try {
                lease_->db.exec("ROLLBACK");
            } catch (...) {
                lease_.markBroken();
            }
        }
    }

    ResultSet exec(const Query& query, const Params& params) override {
        single_read_.statement();
        ResultSet rs;
        try {
            auto& st = lease_->statement(query);
            // tryReset, not reset: after a failed step reset() throws the step's error again, and a throw from this
            // destructor during unwinding would terminate the process.
            struct Reset {
                SQLite::Statement& s;
                ~Reset() {
                    s.tryReset();
                    try {
                        s.clearBindings();  // sqlite3_clear_bindings cannot fail, but SQLiteCpp declares it may throw
                    } catch (...) {
                    }
                }
            } reset{st};
            for (size_t i = 0; i < params.size(); ++i) bind(st, int(i + 1), params[i]);
            const int n = st.getColumnCount();
            for (int c = 0; c < n; ++c) rs.columns.emplace_back(st.getColumnName(c));
            while (st.executeStep()) {
                auto& row = rs.rows.emplace_back();
                row.reserve(n);
                for (int c = 0; c < n; ++c) {
                    if (st.isColumnNull(c))
                        row.emplace_back(std::nullopt);
                    else
                        row.emplace_back(st.getColumn(c).getString());
                }
            }
            rs.affected = lease_->db.getChanges();
            if (rs.affected > 0) changes_ |= lease_->changes(query);
        } catch (const SQLite::Exception& e) {
            rethrow(e);
        }
        return rs;
    }

    void execScript(std::string_view sql) override {
        single_read_.refuse("a script");
        try {
            lease_->db.exec(std::string(sql));
            changes_ |= changesOf(sql);
        } catch (const SQLite::Exception& e) {
            rethrow(e);
        }
    }

    void lockKey(std::string_view) override { single_read_.refuse("a lock"); }

    void commit() override {
        if (single_read_.active()) return;
        try {
            lease_->db.exec("COMMIT");
            open_ = false;
        } catch (const SQLite::Exception& e) {
            rethrow(e);
        }
        owner_.committed(changes_);
    }

    Dialect dialect() const override { return Dialect::Sqlite; }

private:
    static void bind(SQLite::Statement& st, int index, const Value& v) {
        std::visit(
            [&](const auto& x) {
                using T = std::decay_t<decltype(x)>;
                if constexpr (std::is_same_v<T, std::nullptr_t>)
                    st.bind(index);
                else if constexpr (std::is_same_v<T, std::int64_t>)
                    st.bind(index, static_cast<int64_t>(x));
                else if constexpr (std::is_same_v<T, bool>)
                    st.bind(index, x ? 1 : 0);
                else if constexpr (std::is_same_v<T, Timestamp>)
                    st.bind(index, formatTimestamp(x));
                else
                    st.bind(index, x);
            },
            v);
    }

    Pool::Lease lease_;
    const CredentialsObservable& owner_;
    bool open_ = true;
    unsigned changes_ = kChangesNothing;
    SingleReadGuard single_read_;
};

class SqliteDatabase final : public Database, public CredentialsObservable {
public:
    SqliteDatabase(std::string path, int pool_size, int timeout_ms)
        : path_(std::move(path)),
          pool_([p = path_] { return std::make_unique<SqliteConnection>(p); }, pool_size,
                std::chrono::milliseconds(timeout_ms)) {}

    Dialect dialect() const override { return Dialect::Sqlite; }
    std::unique_ptr<Transaction> begin(TxMode mode) override {
        try {
            return std::make_unique<SqliteTransaction>(pool_.acquire(), mode, *this);
        } catch (const SQLite::Exception& e) {
            rethrow(e);
        }
    }
    std::string describe() const override { return "sqlite:" + path_; }
    PoolStats poolStats() override {
        const auto s = pool_.stats();
        return {s.open, s.idle, s.max, s.waiting};
    }

private:
    std::string path_;
    Pool pool_;
};

}  // namespace

namespace {

/// Creates the database's directory readable by its owner only (0700), whatever the umask.
void createPrivateDirectory(const std::filesystem::path& dir) {
    if (dir.empty() || std::filesystem::exists(dir)) return;
    std::filesystem::create_directories(dir);
    std::filesystem::permissions(dir, std::filesystem::perms::owner_all, std::filesystem::perm_options::replace);
}

/// Creates the database file 0600 whatever the umask; SQLite then gives its -wal and -shm files the same mode.
void createPrivateFile(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        if (errno == EEXIST) return;
        throw StorageError(StorageError::Kind::Unavailable,
                           "cannot create the SQLite database " + path + ": " + std::strerror(errno));
    }
    const int chmod_result = ::fchmod(fd, 0600);
    ::close(fd);
    if (chmod_result != 0)
        throw StorageError(StorageError::Kind::Unavailable, "cannot make " + path + " private: " + std::strerror(errno));
}

}  // namespace

std::unique_ptr<Database> openSqlite(const std::string& path, int pool_size, int acquire_timeout_ms) {
    createPrivateDirectory(std::filesystem::path(path).parent_path());
    if (path != ":memory:") createPrivateFile(path);
    try {
        switchToWal(path);
    } catch (const SQLite::Exception& e) {
        rethrow(e);
    }
    return std::make_unique<SqliteDatabase>(path, pool_size, acquire_timeout_ms);
}

}  // namespace rsolv::storage
