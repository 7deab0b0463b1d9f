#include "storage/postgres_database.h"

#include <pqxx/pqxx>
#include <unordered_map>

#include "storage/connection_pool.h"
#include "storage/credential_changes.h"

namespace rsolv::storage {
namespace {

/// A connection with the names of the statements prepared on it, keyed by the address of the query text.
struct PgConnection {
    explicit PgConnection(const std::string& url) : conn(url) {
        pqxx::nontransaction(conn).exec("SET TimeZone TO 'UTC'");
    }
    const std::string& prepared(const Query& q) {
        auto it = names.find(q.postgres.data());
        if (it == names.end()) {
            std::string name = "q" + std::to_string(names.size());
            conn.prepare(name, std::string(q.postgres));
            it = names.emplace(q.postgres.data(), std::move(name)).first;
        }
        return it->second;
    }
    /// changesOf() the query, remembered like its prepared name.
    unsigned changes(const Query& q) {
        auto it = changes_of.find(q.postgres.data());
        if (it == changes_of.end()) it = changes_of.emplace(q.postgres.data(), storage::changesOf(q.postgres)).first;
        return it->second;
    }
    pqxx::connection conn;
    std::unordered_map<const void*, std::string> names;
    std::unordered_map<const void*, unsigned> changes_of;
};

using Pool = ConnectionPool<PgConnection>;

[[noreturn]] void rethrowPg(const std::exception& e) {
    if (dynamic_cast<const pqxx::broken_connection*>(&e) || dynamic_cast<const pqxx::in_doubt_error*>(&e))
        throw StorageError(StorageError::Kind::Unavailable, e.what());
    if (dynamic_cast<const pqxx::unique_violation*>(&e))
        throw StorageError(StorageError::Kind::UniqueViolation, e.what());
    if (dynamic_cast<const pqxx::transaction_rollback*>(&e))
        throw StorageError(StorageError::Kind::Conflict, e.what());
    if (const auto* sql = dynamic_cast<const pqxx::sql_error*>(&e)) {
        const std::string state = sql->sqlstate();
        if (state.rfind("08", 0) == 0 || state.rfind("57P", 0) == 0 || state == "53300")
            throw StorageError(StorageError::Kind::Unavailable, e.what());
    }
    throw StorageError(StorageError::Kind::Other, e.what());
}

class PgTransaction final : public Transaction {
public:
    PgTransaction(Pool::Lease lease, TxMode mode, const CredentialsObservable& owner)
        : lease_(std::move(lease)), owner_(owner), single_read_(mode) {
        try {
            if (single_read_.active())
                work_ = std::make_unique<pqxx::nontransaction>(lease_->conn);  // sends nothing until the statement
            else
                work_ = std::make_unique<pqxx::work>(lease_->conn);
        } catch (const pqxx::failure& e) {
            lease_.markBroken();
            rethrowPg(e);
        }
    }
    ~PgTransaction() override {
        if (work_) {
            try {
                work_->abort();
            } catch (...) {
            }
        }
        if (!lease_->conn.is_open()) lease_.markBroken();
    }

    ResultSet exec(const Query& query, const Params& params) override {
        single_read_.statement();
        try {
            std::vector<std::string> text;
            std::vector<const char*> ptrs;
            text.reserve(params.size());
            ptrs.reserve(params.size());
            for (const auto& p : params) {
                if (std::holds_alternative<std::nullptr_t>(p)) {
                    text.emplace_back();
                    continue;
                }
                text.emplace_back(toText(p));
            }
            for (size_t i = 0; i < params.size(); ++i)
                ptrs.push_back(std::holds_alternative<std::nullptr_t>(params[i]) ? nullptr : text[i].c_str());
            const pqxx::result r = work_->exec_prepared(lease_->prepared(query), pqxx::prepare::make_dynamic_params(ptrs));
            ResultSet rs;
            const auto ncols = r.columns();
            for (pqxx::row::size_type c = 0; c < ncols; ++c) rs.columns.emplace_back(r.column_name(c));
            rs.rows.reserve(r.size());
            for (const auto& row : r) {
                auto& out = rs.rows.emplace_back();
                out.reserve(ncols);
                for (const auto& field : row) {
                    if (field.is_null())
                        out.emplace_back(std::nullopt);
                    else
                        out.emplace_back(std::string(field.c_str(), field.size()));
                }
            }
            rs.affected = r.affected_rows();
            if (rs.affected > 0) changes_ |= lease_->changes(query);
            return rs;
        } catch (const pqxx::failure& e) {
            rethrowPg(e);
        }
    }

    void execScript(std::string_view sql) override {
        single_read_.refuse("a script");
        try {
            work_->exec(std::string(sql));
            changes_ |= changesOf(sql);
        } catch (const pqxx::failure& e) {
            rethrowPg(e);
        }
    }

    void lockKey(std::string_view key) override {
        single_read_.refuse("a lock");
        static constexpr Query kLock{"SELECT pg_advisory_xact_lock(hashtextextended($1, 0))"};
        exec(kLock, {std::string(key)});
    }

    void commit() override {
        try {
            // Other instances drop their cached keys when this commits (their listeners; storage/postgres_listener.h).
            // Accounts are not announced: each commit of a fix attempt changes one, and other instances trust theirs
            // for a second only (domain/api_account.h).
            if (changes_ & kChangesCredentials)
                work_->exec("SELECT pg_notify('" + std::string(kCredentialsChannel) + "', '')");
            work_->commit();
            work_.reset();
        } catch (const pqxx::failure& e) {
            work_.reset();
            rethrowPg(e);
        }
        owner_.committed(changes_);
    }

    Dialect dialect() const override { return Dialect::Postgres; }

private:
    static std::string toText(const Value& v) {
        return std::visit(
            [](const auto& x) -> std::string {
                using T = std::decay_t<decltype(x)>;
                if constexpr (std::is_same_v<T, std::int64_t>)
                    return std::to_string(x);
                else if constexpr (std::is_same_v<T, bool>)
                    return x ? "true" : "false";
                else if constexpr (std::is_same_v<T, Timestamp>)
                    return formatTimestamp(x);
                else if constexpr (std::is_same_v<T, std::string>)
                    return x;
                else
                    return {};
            },
            v);
    }

    Pool::Lease lease_;
    const CredentialsObservable& owner_;
    SingleReadGuard single_read_;
    std::unique_ptr<pqxx::transaction_base> work_;
    unsigned changes_ = kChangesNothing;
};

class PgDatabase final : public Database, public CredentialsObservable {
public:
    PgDatabase(std::string url, int pool_size, int timeout_ms)
        : url_(std::move(url)),
          pool_([u = url_] { return std::make_unique<PgConnection>(u); }, pool_size,
                std::chrono::milliseconds(timeout_ms)) {}

    Dialect dialect() const override { return Dialect::Postgres; }
    std::unique_ptr<Transaction> begin(TxMode mode) override {
        try {
            return std::make_unique<PgTransaction>(pool_.acquire(), mode, *this);
        } catch (const pqxx::failure& e) {
            rethrowPg(e);
        }
    }
    std::string describe() const override { return redactUrl(url_); }
    PoolStats poolStats() override {
        const auto s = pool_.stats();
        return {s.open, s.idle, s.max, s.waiting};
    }

private:
    std::string url_;
    Pool pool_;
};

}  // namespace

std::string redactUrl(const std::string& url) {
    const auto scheme = url.find("://");
    const auto at = url.find('@');
    if (scheme == std::string::npos || at == std::string::npos) return url;
    const auto colon = url.find(':', scheme + 3);
    if (colon == std::string::npos || colon > at) return url;
    return url.substr(0, colon + 1) + "***" + url.substr(at);
}

std::unique_ptr<Database> openPostgres(const std::string& url, int pool_size, int acquire_timeout_ms) {
    return std::make_unique<PgDatabase>(url, pool_size, acquire_timeout_ms);
}

}  // namespace rsolv::storage
