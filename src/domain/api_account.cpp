#include "domain/api_account.h"

#include <algorithm>

#include "storage/customer_repository.h"

namespace rsolv::domain {

nlohmann::json toJson(const ApiAccount& a, int trial_refunds) {
    return {{"customer_id", a.customer_id},
            {"plan", a.plan},
            {"trial_fixes_limit", a.trial_fixes_limit},
            {"trial_fixes_used", a.trial_fixes_used},
            {"trial_fixes_remaining", std::max(0, a.trial_fixes_limit - a.trial_fixes_used)},
            {"trial_refunds_limit", trial_refunds},
            {"trial_refunds_used", a.trial_refunds_used},
            {"trial_refunds_remaining", std::max(0, trial_refunds - a.trial_refunds_used)}};
}

std::optional<ApiAccount> ApiAccounts::find(std::int64_t customer_id) const {
    if (auto cached = cache_.find(customer_id, options_.trust)) return cached;
    const auto generation = cache_.generation();
    auto account = read(customer_id);
    if (account) cache_.put(customer_id, *account, generation);
    return account;
}

std::optional<ApiAccount> ApiAccounts::read(std::int64_t customer_id) const {
    const auto c = storage::inTransaction(db_, storage::TxMode::SingleRead, [&](storage::Transaction& tx) {
        return storage::CustomerRepository(tx).findById(customer_id);
    });
    if (!c) return std::nullopt;
    return ApiAccount{c->id, c->subscription_plan, c->trial_fixes_limit, c->trial_fixes_used, c->trial_refunds_used};
}

}  // namespace rsolv::domain
