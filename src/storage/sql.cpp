#include "storage/sql.h"

#include <charconv>
#include <cstdio>

namespace rsolv::storage {

std::string formatTimestamp(Timestamp t) {
    using namespace std::chrono;
    const auto day = floor<days>(t);
    const year_month_day ymd{day};
    const hh_mm_ss<microseconds> hms{t - day};
    char buf[40];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d.%06ldZ", int(ymd.year()), unsigned(ymd.month()),
                  unsigned(ymd.day()), int(hms.hours().count()), int(hms.minutes().count()),
                  int(hms.seconds().count()), long(hms.subseconds().count()));
    return buf;
}

namespace {
int digits(std::string_view s, size_t pos, size_t n) {
    if (pos + n > s.size()) throw std::invalid_argument("timestamp too short");
    for (size_t i = pos; i < pos + n; ++i)
        if (s[i] < '0' || s[i] > '9') throw std::invalid_argument("bad timestamp digits");
    int v = 0;
    auto [p, ec] = std::from_chars(s.data() + pos, s.data() + pos + n, v);
    if (ec != std::errc() || p != s.data() + pos + n) throw std::invalid_argument("bad timestamp digits");
    return v;
}
}  // namespace

Timestamp parseTimestamp(std::string_view s) {
    using namespace std::chrono;
    // YYYY-MM-DD[T ]HH:MM:SS[.f{1,6}][Z|+00|+00:00]
    if (s.size() < 19 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != ' ') || s[13] != ':' || s[16] != ':')
        throw std::invalid_argument("bad timestamp: " + std::string(s));
    const year_month_day ymd{year{digits(s, 0, 4)}, month{unsigned(digits(s, 5, 2))}, day{unsigned(digits(s, 8, 2))}};
    if (!ymd.ok()) throw std::invalid_argument("bad date: " + std::string(s));
    const int hh = digits(s, 11, 2), mm = digits(s, 14, 2), ss = digits(s, 17, 2);
    if (hh < 0 || hh > 23 || mm < 0 || mm > 59 || ss < 0 || ss > 59)
        throw std::invalid_argument("bad time of day: " + std::string(s));
    Timestamp t = sys_days{ymd} + hours{hh} + minutes{mm} + seconds{ss};
    size_t pos = 19;
    if (pos < s.size() && s[pos] == '.') {
        ++pos;
        long frac = 0;
        int n = 0;
        while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
            if (n < 6) frac = frac * 10 + (s[pos] - '0'), ++n;
            ++pos;
        }
        while (n++ < 6) frac *= 10;
        t += microseconds{frac};
    }
    const std::string_view zone = s.substr(pos);
    if (!(zone.empty() || zone == "Z" || zone == "+00" || zone == "+00:00"))
        throw std::invalid_argument("timestamp not in UTC: " + std::string(s));
    return t;
}

size_t ResultSet::columnIndex(std::string_view name) const {
    for (size_t i = 0; i < columns.size(); ++i)
        if (columns[i] == name) return i;
    throw std::out_of_range("no column " + std::string(name));
}

Row ResultSet::front() const& {
    if (empty()) throw std::out_of_range("empty result");
    return Row(*this, 0);
}

Row ResultSet::front() && {
    if (empty()) throw std::out_of_range("empty result");
    return Row(std::make_shared<const ResultSet>(std::move(*this)), 0);
}

std::optional<Row> ResultSet::first() const& {
    if (empty()) return std::nullopt;
    return Row(*this, 0);
}

std::optional<Row> ResultSet::first() && {
    if (empty()) return std::nullopt;
    return Row(std::make_shared<const ResultSet>(std::move(*this)), 0);
}

const std::optional<std::string>& Row::cell(std::string_view column) const {
    return rs_->rows.at(index_).at(rs_->columnIndex(column));
}

bool Row::isNull(std::string_view column) const { return !cell(column).has_value(); }
std::optional<std::string> Row::opt(std::string_view column) const { return cell(column); }

std::string Row::str(std::string_view column) const {
    const auto& c = cell(column);
    if (!c) throw std::out_of_range("null in column " + std::string(column));
    return *c;
}

std::int64_t Row::i64(std::string_view column) const {
    const std::string s = str(column);
    std::int64_t v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size()) throw std::invalid_argument("not an integer: " + s);
    return v;
}

std::optional<std::int64_t> Row::optI64(std::string_view column) const {
    if (isNull(column)) return std::nullopt;
    return i64(column);
}

bool Row::boolean(std::string_view column) const {
    const std::string s = str(column);
    return s == "t" || s == "1" || s == "true";
}

Timestamp Row::time(std::string_view column) const { return parseTimestamp(str(column)); }

std::optional<Timestamp> Row::optTime(std::string_view column) const {
    if (isNull(column)) return std::nullopt;
    return time(column);
}

std::string toSqlitePlaceholders(std::string_view sql) {
    std::string out;
    out.reserve(sql.size());
    for (size_t i = 0; i < sql.size(); ++i) {
        if (sql[i] == '$' && i + 1 < sql.size() && sql[i + 1] >= '1' && sql[i + 1] <= '9')
            out.push_back('?');
        else
            out.push_back(sql[i]);
    }
    return out;
}

}  // namespace rsolv::storage
