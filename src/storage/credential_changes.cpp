#include "storage/credential_changes.h"

#include <algorithm>
#include <cctype>

namespace rsolv::storage {
namespace {

bool sameLetters(char a, char b) {
    return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
}

/// Where `word` starts in `text` at or after `from`, case-insensitively; npos when absent.
size_t findWord(std::string_view text, std::string_view word, size_t from = 0) {
    if (from >= text.size()) return std::string_view::npos;
    const auto it = std::search(text.begin() + long(from), text.end(), word.begin(), word.end(), sameLetters);
    return it == text.end() ? std::string_view::npos : size_t(it - text.begin());
}

/// "UPDATE <table> [alias] SET <set part> WHERE ...": true when the set part names one of `columns`.
bool updateSets(std::string_view sql, std::string_view update_table, std::initializer_list<std::string_view> columns) {
    for (size_t at = findWord(sql, update_table); at != std::string_view::npos;
         at = findWord(sql, update_table, at + 1)) {
        const size_t end = at + update_table.size();
        if (end < sql.size() && (std::isalnum(static_cast<unsigned char>(sql[end])) || sql[end] == '_')) continue;
        const size_t set = findWord(sql, " set ", end);
        if (set == std::string_view::npos) continue;
        const size_t where = findWord(sql, " where ", set);
        const std::string_view assignments =
            sql.substr(set, where == std::string_view::npos ? std::string_view::npos : where - set);
        for (const auto column : columns)
            if (findWord(assignments, column) != std::string_view::npos) return true;
    }
    return false;
}

bool deletesFrom(std::string_view sql, std::string_view delete_table) {
    const size_t at = findWord(sql, delete_table);
    if (at == std::string_view::npos) return false;
    const size_t end = at + delete_table.size();
    return end == sql.size() || !(std::isalnum(static_cast<unsigned char>(sql[end])) || sql[end] == '_');
}

}  // namespace

bool changesCredentials(std::string_view sql) {
    return updateSets(sql, "update api_keys", {"revoked_at", "expires_at"}) ||
           updateSets(sql, "update customers", {"status"}) || deletesFrom(sql, "delete from api_keys") ||
           deletesFrom(sql, "delete from customers");
}

bool changesAccounts(std::string_view sql) {
    return updateSets(sql, "update customers",
                      {"subscription_plan", "trial_fixes_limit", "trial_fixes_used", "trial_refunds_used"}) ||
           deletesFrom(sql, "delete from customers");
}

unsigned changesOf(std::string_view sql) {
    return (changesCredentials(sql) ? kChangesCredentials : 0u) | (changesAccounts(sql) ? kChangesAccounts : 0u);
}

}  // namespace rsolv::storage
