#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/clock.h"

namespace rsolv::storage {

enum class Dialect { Sqlite, Postgres };

/// A statement with its text for each backend. `sqlite` may be left empty when the PostgreSQL text works as it is
/// once its `$N` placeholders become SQLite's numbered `?N` (never SQLite's `$N`, which is a *named* parameter).
struct Query {
    std::string_view postgres;
    std::string_view sqlite = {};
};

/// One bound parameter. Timestamps travel as ISO-8601 UTC text with microseconds, which both backends compare correctly.
using Value = std::variant<std::nullptr_t, std::int64_t, std::string, bool, Timestamp>;
using Params = std::vector<Value>;

inline Value nullable(const std::optional<std::string>& v) { return v ? Value(*v) : Value(nullptr); }
inline Value nullable(const std::optional<Timestamp>& v) { return v ? Value(*v) : Value(nullptr); }

/// ISO-8601 UTC with exactly six fractional digits ("2026-11-24T05:56:00.000000Z"), so text order is time order.
std::string formatTimestamp(Timestamp t);
/// Accepts the format above and PostgreSQL's "2026-11-24 05:56:00.12+00". Throws std::invalid_argument.
Timestamp parseTimestamp(std::string_view text);

class ResultSet;

/// A row of a materialised result, read by column name. A row taken from a temporary result keeps that result alive.
class Row {
public:
    Row(const ResultSet& rs, size_t index) : rs_(&rs), index_(index) {}
    Row(std::shared_ptr<const ResultSet> owner, size_t index) : owner_(std::move(owner)), rs_(owner_.get()), index_(index) {}
    bool isNull(std::string_view column) const;
    std::optional<std::string> opt(std::string_view column) const;
    std::string str(std::string_view column) const;
    std::int64_t i64(std::string_view column) const;
    std::optional<std::int64_t> optI64(std::string_view column) const;
    bool boolean(std::string_view column) const;
    Timestamp time(std::string_view column) const;
    std::optional<Timestamp> optTime(std::string_view column) const;

private:
    const std::optional<std::string>& cell(std::string_view column) const;
    std::shared_ptr<const ResultSet> owner_;
    const ResultSet* rs_;
    size_t index_;
};

/// Every backend returns its rows as text cells, so repositories read them one way.
class ResultSet {
public:
    std::vector<std::string> columns;
    std::vector<std::vector<std::optional<std::string>>> rows;
    std::int64_t affected = 0;

    size_t size() const { return rows.size(); }
    bool empty() const { return rows.empty(); }
    Row operator[](size_t i) const { return Row(*this, i); }
    Row front() const&;
    Row front() &&;
    std::optional<Row> first() const&;
    std::optional<Row> first() &&;
    size_t columnIndex(std::string_view name) const;
};

/// Converts `$N` placeholders to SQLite's numbered `?N`.
std::string toSqlitePlaceholders(std::string_view sql);

}  // namespace rsolv::storage
