#include "domain/key_lineage.h"
#include "domain/key_management.h"
#include "http/handlers/dashboard_page.h"
#include "http/handlers/routes.h"
#include "http/http_error.h"

namespace rsolv::http {
namespace {

constexpr const char* kNewKeyFlash = "dashboard_new_key";

std::string stateLabel(domain::KeyState s) {
    switch (s) {
        case domain::KeyState::Active: return "Active";
        case domain::KeyState::Expiring: return "Expires";
        case domain::KeyState::Revoked: return "Revoked";
        case domain::KeyState::Expired: return "Expired";
    }
    return "";
}

Response keysPage(const Context& ctx, Request& req, const SignedIn& who, const std::optional<Error>& error,
                  const std::string& typed_name) {
    const Timestamp now = ctx.clock.now();
    struct Loaded {
        std::vector<storage::ApiKeyRecord> keys;
        std::optional<std::string> new_key;
        domain::KeyLineage lineage;
    };
    const auto loaded = storage::inTransaction(ctx.db, storage::TxMode::Write, [&](storage::Transaction& tx) {
        return Loaded{domain::customerKeys(tx, who.customer.id),
                      error ? std::nullopt : takeSecretFlash(ctx, tx, who.session.id_hash, kNewKeyFlash),
                      domain::keyLineage(tx, who.customer.id)};
    });
    Response res;
    if (error) res.status = 422;
    auto d = dashboardData(ctx, req, res, who, "API keys", DashboardSection::Keys);
    kainjow::mustache::data live{kainjow::mustache::data::type::list};
    kainjow::mustache::data old{kainjow::mustache::data::type::list};
    int active = 0, old_count = 0;
    for (const auto& k : loaded.keys) {
        const auto state = domain::keyState(k, now);
        const bool is_live = state == domain::KeyState::Active || state == domain::KeyState::Expiring;
        kainjow::mustache::data row;
        row.set("id", std::to_string(k.id));
        row.set("name", k.name);
        row.set("display_id", k.display_id);
        setTime(row, "created", k.created_at, now);
        if (k.last_used_at) setTime(row, "last_used", *k.last_used_at, now);
        row.set("status", stateLabel(state));
        row.set("state", state == domain::KeyState::Active ? "active" : is_live ? "expiring" : "ended");
        row.set("rollable", state == domain::KeyState::Active);
        if (state == domain::KeyState::Expiring) setTime(row, "expires", *k.expires_at, now);
        if (const auto r = loaded.lineage.replaced_by.find(k.display_id); r != loaded.lineage.replaced_by.end())
            row.set("replaced_by", r->second);
        if (const auto r = loaded.lineage.replaces.find(k.display_id); r != loaded.lineage.replaces.end())
            row.set("replaces", r->second);
        if (is_live) {
            ++active;
            live.push_back(row);
        } else {
            ++old_count;
            old.push_back(row);
        }
    }
    d.set("live_keys", live);
    d.set("has_live_keys", active > 0);
    d.set("old_keys", old);
    d.set("has_old_keys", old_count > 0);
    d.set("old_count", std::to_string(old_count));
    d.set("one_old", old_count == 1);
    d.set("active_count", std::to_string(active));
    d.set("max_keys", std::to_string(ctx.keys.max_active_keys));
    d.set("at_limit", active >= ctx.keys.max_active_keys);
    if (loaded.new_key) d.set("new_key", *loaded.new_key);
    d.set("name", typed_name);
    if (error) setFieldError(d, *error);
    res.body = ctx.views.page("dashboard/keys", d);
    return res;
}

Response keysIndex(const Context& ctx, Request& req) {
    return keysPage(ctx, req, requireSignedIn(ctx, req), std::nullopt, "");
}

/// Shows the new secret once on the keys page (a sealed flash, erased when read), then post-redirect-get.
Response issued(const Context& ctx, storage::Transaction& tx, const SignedIn& who, const domain::IssuedKey& key,
                const std::string& notice) {
    setSecretFlash(ctx, tx, who.session.id_hash, kNewKeyFlash, key.secret);
    setNotice(ctx, tx, who.session.id_hash, notice);
    return Response::redirect(ctx.web.public_url + "/dashboard/keys");
}

Response createKey(const Context& ctx, Request& req) {
    const SignedIn who = requireSignedIn(ctx, req);
    const std::string name = fieldOf(req.form(), "name");
    std::optional<Error> error;
    auto res = storage::inTransaction(ctx.db, storage::TxMode::Write, [&](storage::Transaction& tx) -> Response {
        auto created = domain::createKey(tx, who.customer.id, name, ctx.clock.now(), ctx.keys);
        if (!created.ok()) {
            error = created.error();
            return {};
        }
        return issued(ctx, tx, who, created.value(), "Key created. Copy it now: it is shown only once.");
    });
    if (error) return keysPage(ctx, req, who, error, name.substr(0, 60));
    return res;
}

Response rollKey(const Context& ctx, Request& req) {
    const SignedIn who = requireSignedIn(ctx, req);
    const std::int64_t id = positiveId(req.path_params.at("id"), "key");
    const std::string grace = fieldOf(req.form(), "grace");
    int grace_seconds = -1;
    if (grace == "0") grace_seconds = 0;
    if (grace == "3600") grace_seconds = 3600;
    if (grace == "86400") grace_seconds = 86400;
    if (grace_seconds < 0) throw HttpError(422, "invalid_grace", "Choose when the old key stops working.");
    std::optional<Error> error;
    auto res = storage::inTransaction(ctx.db, storage::TxMode::Write, [&](storage::Transaction& tx) -> Response {
        auto rolled = domain::rollKey(tx, who.customer.id, id, std::chrono::seconds(grace_seconds), ctx.clock.now(),
                                      ctx.keys);
        if (!rolled.ok()) {
            error = rolled.error();
            return {};
        }
        return issued(ctx, tx, who, rolled.value(),
                      grace_seconds == 0 ? "Key rolled. The old key no longer works."
                                         : "Key rolled. The old key keeps working for " +
                                               std::string(grace_seconds == 3600 ? "1 hour" : "24 hours") +
                                               ", time to update the secret.");
    });
    if (error) throw HttpError(404, "not_found", error->message);
    return res;
}

/// The customer's key named by the path, and the confirmation page's data about it (rolling and revoking ask first).
struct KeyConfirmation {
    storage::ApiKeyRecord key;
    ViewData data;
};
KeyConfirmation keyConfirmation(const Context& ctx, Request& req, Response& res, const std::string& title) {
    const SignedIn who = requireSignedIn(ctx, req);
    const std::int64_t id = positiveId(req.path_params.at("id"), "key");
    const auto key = storage::inTransaction(ctx.db, storage::TxMode::Read, [&](storage::Transaction& tx) {
        return domain::customerKey(tx, who.customer.id, id);
    });
    if (!key) throw HttpError(404, "not_found", "That key does not exist.");
    auto d = dashboardData(ctx, req, res, who, title, DashboardSection::Keys);
    d.set("id", std::to_string(key->id));
    d.set("name", key->name);
    d.set("display_id", key->display_id);
    return {*key, std::move(d)};
}

/// Rolling asks first, like revoking: the grace is chosen there, one hour unless the customer says otherwise.
Response rollConfirm(const Context& ctx, Request& req) {
    Response res;
    auto [key, d] = keyConfirmation(ctx, req, res, "Roll key");
    d.set("rollable", domain::keyState(key, ctx.clock.now()) == domain::KeyState::Active);
    res.body = ctx.views.page("dashboard/roll_key", d);
    return res;
}

Response revokeConfirm(const Context& ctx, Request& req) {
    Response res;
    auto [key, d] = keyConfirmation(ctx, req, res, "Revoke key");
    const auto state = domain::keyState(key, ctx.clock.now());
    d.set("live", state == domain::KeyState::Active || state == domain::KeyState::Expiring);
    res.body = ctx.views.page("dashboard/revoke_key", d);
    return res;
}

Response revoke(const Context& ctx, Request& req) {
    const SignedIn who = requireSignedIn(ctx, req);
    const std::int64_t id = positiveId(req.path_params.at("id"), "key");
    const bool done = storage::inTransaction(ctx.db, storage::TxMode::Write, [&](storage::Transaction& tx) {
        if (!domain::revokeKey(tx, who.customer.id, id, ctx.clock.now()).ok()) return false;
        setNotice(ctx, tx, who.session.id_hash, "Key revoked.");
        return true;
    });
    if (!done) throw HttpError(404, "not_found", "That key does not exist or is already revoked.");
    return Response::redirect(ctx.web.public_url + "/dashboard/keys");
}

}  // namespace

void addKeyRoutes(Router& router, const Context& ctx) {
    const Context* c = &ctx;
    router.add({"GET", "/dashboard/keys", RouteKind::Page, [c](Request& r) { return keysIndex(*c, r); }, {}});
    router.add({"POST", "/dashboard/keys", RouteKind::Form, [c](Request& r) { return createKey(*c, r); },
                {kFormMediaType}});
    router.add({"POST", "/dashboard/keys/{id}/roll", RouteKind::Form, [c](Request& r) { return rollKey(*c, r); },
                {kFormMediaType}});
    router.add({"GET", "/dashboard/keys/{id}/roll", RouteKind::Page, [c](Request& r) { return rollConfirm(*c, r); },
                {}});
    router.add({"GET", "/dashboard/keys/{id}/revoke", RouteKind::Page, [c](Request& r) { return revokeConfirm(*c, r); },
                {}});
    router.add({"POST", "/dashboard/keys/{id}/revoke", RouteKind::Form, [c](Request& r) { return revoke(*c, r); },
                {kFormMediaType}});
}

}  // namespace rsolv::http
