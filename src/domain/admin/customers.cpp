#include "domain/admin/customers.h"

#include <algorithm>

#include "domain/email_address.h"

namespace rsolv::domain::admin {

CustomerPage searchCustomers(storage::Transaction& tx, storage::CustomerSearch search) {
    search.limit = std::clamp(search.limit, 1, 500);
    const int wanted = search.limit;
    search.limit = wanted + 1;  // one more tells whether a next page exists
    CustomerPage page;
    page.customers = storage::AdminCustomerRepository(tx).search(search);
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
