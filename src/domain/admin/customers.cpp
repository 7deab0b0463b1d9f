#include "domain/admin/customers.h"

#include <algorithm>

#include "domain/api_key.h"
#include "domain/email_address.h"

namespace rsolv::domain::admin {

namespace {

/// The query as typed, without surrounding spaces and control characters (which no field holds).
std::string normalisedQuery(const std::string& query) {
    std::string out;
    for (char ch : query)
        if (static_cast<unsigned char>(ch) >= 0x20 && ch != 0x7f) out += ch;
    const auto first = out.find_first_not_of(' ');
    if (first == std::string::npos) return {};
    return out.substr(first, out.find_last_not_of(' ') - first + 1);
}

/// Characters, not bytes: "é" is one.
size_t characterCount(std::string_view text) {
    return size_t(std::count_if(text.begin(), text.end(),
                                [](char ch) { return (static_cast<unsigned char>(ch) & 0xC0) != 0x80; }));
}

/// Key identifiers start with "rsolv_": the query is their start with or without it ("AbCd" finds rsolv_AbCd…).
std::optional<std::string> keyIdentifierPrefix(const std::string& query) {
    if (query.rfind(kApiKeyPrefix, 0) == 0) {
        if (query.size() == kApiKeyPrefix.size()) return std::nullopt;  // every key: not a search
        return query;
    }
    return std::string(kApiKeyPrefix) + query;
}

/// Two pages, each newest first, as one: newest first, each customer once, at most `limit`.
std::vector<storage::CustomerSummary> mergeNewestFirst(std::vector<storage::CustomerSummary> a,
                                                        const std::vector<storage::CustomerSummary>& b, int limit) {
    a.insert(a.end(), b.begin(), b.end());
    std::sort(a.begin(), a.end(), [](const auto& x, const auto& y) { return x.id > y.id; });
    a.erase(std::unique(a.begin(), a.end(), [](const auto& x, const auto& y) { return x.id == y.id; }), a.end());
    if (int(a.size()) > limit) a.resize(size_t(limit));
    return a;
}

/// A start of 1 or 2 characters is first looked for among this many newest customers (below the cursor). A full
/// page there is the answer; otherwise the start is rare (fewer than a page per this many customers, so about
/// page × customers / this many matches in all), and the lower(...) indexes find every match cheaply.
constexpr int kShortQueryWindow = 5000;

std::vector<storage::CustomerSummary> startingWith(storage::AdminCustomerRepository& repo, const std::string& query,
                                                   const storage::CustomerSearch& search) {
    auto found = repo.startingWithAmongNewest(query, search, kShortQueryWindow);
    if (int(found.size()) >= search.limit) return found;
    return repo.startingWith(query, search);
}

/// A query of 3 characters or more is a substring of the email, name or company, in any case (the trigram index);
/// a shorter one is the start of one of them (a substring of 1 or 2 characters is in nearly every row, and no
/// trigram index can find it). Either way the query is also the start of a key identifier. Each part reads at most
/// one page, newest first, so the merged page is exact for keyset pagination.
std::vector<storage::CustomerSummary> matching(storage::Transaction& tx, const storage::CustomerSearch& search) {
    storage::AdminCustomerRepository repo(tx);
    const std::string query = normalisedQuery(search.query);
    if (query.empty()) return repo.list(search);
    auto found = characterCount(query) >= 3 ? repo.containing(query, search) : startingWith(repo, query, search);
    if (const auto prefix = keyIdentifierPrefix(query))
        found = mergeNewestFirst(std::move(found), repo.withKeyStartingWith(*prefix, search), search.limit);
    return found;
}

}  // namespace

CustomerPage searchCustomers(storage::Transaction& tx, storage::CustomerSearch search) {
    search.limit = std::clamp(search.limit, 1, 500);
    const int wanted = search.limit;
    search.limit = wanted + 1;  // one more tells whether a next page exists
    CustomerPage page;
    page.customers = matching(tx, search);
    if (int(page.customers.size()) > wanted) {
        page.customers.resize(size_t(wanted));
        page.next_before_id = page.customers.back().id;
    }
    return page;
}

std::optional<CustomerDetail> customerDetail(storage::Transaction& tx, std::int64_t customer_id, Timestamp now,
                                             Duration session_idle_timeout) {
    auto customer = storage::CustomerRepository(tx).findById(customer_id);
    if (!customer) return std::nullopt;
    CustomerDetail d;
    d.customer = *customer;
    d.keys = storage::ApiKeyRepository(tx).listForCustomer(customer_id);
    d.sessions = storage::SessionRepository(tx).listLive(customer_id, now, now - session_idle_timeout);
    d.attempts = storage::FixAttemptRepository(tx).list(customer_id, std::nullopt, 50);
    d.emails = storage::AdminCustomerRepository(tx).emailsOf(customer_id, 50);
    d.events = storage::EventRepository(tx).listForCustomer(customer_id);
    storage::AuditFilter filter;
    filter.customer_id = customer_id;
    filter.limit = 100;
    d.audit = storage::AuditRepository(tx).list(filter);
    return d;
}

std::optional<storage::CustomerRecord> customerByEmail(storage::Transaction& tx, std::string_view email) {
    const auto address = parseEmail(email);
    if (!address.ok()) return std::nullopt;
    return storage::CustomerRepository(tx).findByCanonicalEmail(address.value().canonical);
}

std::string csvCell(std::string_view value) {
    std::string v(value);
    if (!v.empty() && (v[0] == '=' || v[0] == '+' || v[0] == '-' || v[0] == '@' || v[0] == '\t' || v[0] == '\r'))
        v.insert(v.begin(), '\'');
    std::string out = "\"";
    for (char ch : v) {
        if (ch == '"') out += '"';
        out += ch;
    }
    return out + "\"";
}

}  // namespace rsolv::domain::admin
