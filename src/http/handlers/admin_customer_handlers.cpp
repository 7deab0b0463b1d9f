// /admin/customers: search, CSV export, one customer's page, and the overrides (each a POST with a typed reason).
#include <charconv>

#include "domain/admin/customers.h"
#include "domain/admin/overrides.h"
#include "domain/admin/provision.h"
#include "domain/key_management.h"
#include "common/text.h"
#include "http/admin_session.h"
#include "http/handlers/admin_routes.h"
#include "http/handlers/dashboard_page.h"
#include "http/handlers/routes.h"
#include "http/http_error.h"

namespace rsolv::http {
namespace {

using kainjow::mustache::data;
namespace admin = domain::admin;

constexpr int kPageSize = 50;
constexpr int kCsvMaxRows = 100000;

std::optional<Timestamp> dateField(const std::string& text, int add_days = 0) {
    if (text.size() != 10) return std::nullopt;
    try {
        return storage::parseTimestamp(text + "T00:00:00.000000Z") + std::chrono::hours(24 * add_days);
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

std::int64_t intField(const std::string& text) {
    std::int64_t v = 0;
    const auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    return ec == std::errc() && p == text.data() + text.size() && v > 0 ? v : 0;
}

storage::CustomerSearch searchOf(const std::map<std::string, std::string>& q) {
    storage::CustomerSearch s;
    s.query = fieldOf(q, "q").substr(0, 200);
    const std::string status = fieldOf(q, "status");
    if (status == "active" || status == "suspended") s.status = status;
    const std::string trial = fieldOf(q, "trial");
    s.trial = trial == "used_up" ? 1 : trial == "remaining" ? 2 : 0;
    s.signed_up_from = dateField(fieldOf(q, "from"));
    s.signed_up_before = dateField(fieldOf(q, "to"), 1);
    s.before_id = intField(fieldOf(q, "before"));
    s.limit = kPageSize;
    return s;
}

std::string queryWithout(const std::map<std::string, std::string>& q, const std::string& drop) {
    std::string out;
    for (const auto& [k, v] : q) {
        if (k == drop || v.empty()) continue;
        out += (out.empty() ? "" : "&") + urlEncode(k) + "=" + urlEncode(v);
    }
    return out;
}

Response list(const Context& ctx, Request& req) {
    const auto who = requireOperator(ctx, req, Access::Read);
    const auto q = req.queryParams();
    const auto page = storage::inTransaction(ctx.db, storage::TxMode::Read, [&](storage::Transaction& tx) {
        return admin::searchCustomers(tx, searchOf(q));
    });
    Response res;
    auto d = adminPageData(ctx, req, res, "Customers", who, AdminSection::Customers);
    data rows{data::type::list};
    for (const auto& c : page.customers) {
        data row;
        row.set("id", std::to_string(c.id));
        row.set("email", c.email);
        row.set("name", c.name);
        row.set("company", c.company.value_or(""));
        row.set("status", c.status);
        row.set("usage", std::to_string(c.trial_fixes_used) + " / " + std::to_string(c.trial_fixes_limit));
        row.set("created", humanTime(c.created_at));
        rows.push_back(row);
    }
    d.set("customers", rows);
    d.set("has_customers", !page.customers.empty());
    for (const char* f : {"q", "from", "to"}) d.set(std::string("f_") + f, fieldOf(q, f));
    d.set("status_" + fieldOf(q, "status"), true);
    d.set("trial_" + fieldOf(q, "trial"), true);
    const std::string filters = queryWithout(q, "before");
    if (page.next_before_id)
        d.set("next_url", "/admin/customers?" + filters + (filters.empty() ? "" : "&") + "before=" +
                              std::to_string(*page.next_before_id));
    d.set("csv_url", "/admin/customers.csv" + (filters.empty() ? std::string() : "?" + filters));
    res.body = ctx.views.page("admin/customers", d);
    return res;
}

Response csv(const Context& ctx, Request& req) {
    requireOperator(ctx, req, Access::Read);
    auto search = searchOf(req.queryParams());
    search.before_id = 0;
    search.limit = 500;
    std::string out = "id,email,name,company,status,trial_fixes_used,trial_fixes_limit,created_at\r\n";
    int rows = 0;
    storage::inTransaction(ctx.db, storage::TxMode::Read, [&](storage::Transaction& tx) {
        for (;;) {
            const auto page = admin::searchCustomers(tx, search);
            for (const auto& c : page.customers) {
                out += std::to_string(c.id) + "," + admin::csvCell(c.email) + "," + admin::csvCell(c.name) + "," +
                       admin::csvCell(c.company.value_or("")) + "," + c.status + "," +
                       std::to_string(c.trial_fixes_used) + "," + std::to_string(c.trial_fixes_limit) + "," +
                       isoTime(c.created_at) + "\r\n";
                ++rows;
            }
            if (!page.next_before_id || rows >= kCsvMaxRows) break;
            search.before_id = *page.next_before_id;
        }
    });
    Response res = Response::text(out);
    res.content_type = "text/csv; charset=utf-8";
    res.header("Content-Disposition", "attachment; filename=\"customers.csv\"");
    return res;
}

data keyRows(const std::vector<storage::ApiKeyRecord>& keys, Timestamp now) {
    data rows{data::type::list};
    for (const auto& k : keys) {
        data row;
        row.set("id", std::to_string(k.id));
        row.set("display_id", k.display_id);
        row.set("name", k.name);
        row.set("created", humanTime(k.created_at));
        row.set("last_used", k.last_used_at ? humanTime(*k.last_used_at) : std::string("never"));
        const auto state = domain::keyState(k, now);
        row.set("state", std::string(state == domain::KeyState::Active     ? "active"
                                     : state == domain::KeyState::Expiring ? "expiring"
                                     : state == domain::KeyState::Revoked  ? "revoked"
                                                                           : "expired"));
        row.set("live", state == domain::KeyState::Active || state == domain::KeyState::Expiring);
        rows.push_back(row);
    }
    return rows;
}

Response detail(const Context& ctx, Request& req) {
    const auto who = requireOperator(ctx, req, Access::Read);
    const auto id = positiveId(req.path_params.at("id"), "customer");
    const Timestamp now = ctx.clock.now();
    const auto found = storage::inTransaction(ctx.db, storage::TxMode::Read, [&](storage::Transaction& tx) {
        return admin::customerDetail(tx, id, now, ctx.sessions.idle_timeout);
    });
    if (!found) throw HttpError(404, "not_found", "No customer with that id.");
    const auto& c = found->customer;
    Response res;
    auto d = adminPageData(ctx, req, res, "Customer " + c.email, who, AdminSection::Customers);
    d.set("id", std::to_string(c.id));
    d.set("customer_id", std::to_string(c.id));
    d.set("email", c.email);
    d.set("name", c.name);
    d.set("company", c.company.value_or(""));
    d.set("status", c.status);
    d.set("suspended", c.status == "suspended");
    d.set("plan", c.subscription_plan);
    d.set("fixes_used", std::to_string(c.trial_fixes_used));
    d.set("fixes_limit", std::to_string(c.trial_fixes_limit));
    d.set("created", humanTime(c.created_at));
    if (c.email_verified_at) d.set("verified", humanTime(*c.email_verified_at));
    d.set("undeliverable", c.email_undeliverable_at.has_value());
    d.set("onboarding_emails", c.onboarding_emails);
    d.set("keys", keyRows(found->keys, now));
    data sessions{data::type::list};
    for (const auto& s : found->sessions) {
        data row;
        row.set("created", humanTime(s.created_at));
        row.set("last_seen", humanTime(s.last_seen_at));
        row.set("ip", s.ip);
        row.set("user_agent", s.user_agent);
        sessions.push_back(row);
    }
    d.set("sessions", sessions);
    d.set("session_count", std::to_string(found->sessions.size()));
    data attempts{data::type::list};
    for (const auto& a : found->attempts) {
        data row;
        row.set("repository", a.repository);
        row.set("reference", a.reference);
        row.set("status", a.status);
        row.set("started", humanTime(a.created_at));
        row.set("failure_reason", a.failure_reason.value_or(""));
        attempts.push_back(row);
    }
    d.set("attempts", attempts);
    data emails{data::type::list};
    for (const auto& e : found->emails) {
        data row;
        row.set("kind", e.kind);
        row.set("message_id", e.message_id);
        row.set("sent", humanTime(e.sent_at));
        emails.push_back(row);
    }
    d.set("emails", emails);
    data events{data::type::list};
    for (auto it = found->events.rbegin(); it != found->events.rend(); ++it) {
        data row;
        row.set("type", it->event_type);
        row.set("status", it->status);
        row.set("details", it->details_json);
        row.set("at", humanTime(it->created_at));
        events.push_back(row);
    }
    d.set("events", events);
    d.set("audit", auditRows(found->audit));
    d.set("support_tickets", supportTicketRows(ctx, c.id));
    d.set("max_grant", std::to_string(admin::kMaxCreditGrant));
    res.body = ctx.views.page("admin/customer", d);
    return res;
}

/// Runs one override for the customer of the path in one transaction (the change and its audit row), then
/// post-redirect-get back to the customer's page; an expected refusal is a 422 (404 for an unknown customer or key).
using Change = std::function<Result<std::string>(storage::Transaction&, std::int64_t, const std::map<std::string, std::string>&,
                                                  const admin::Actor&, Timestamp)>;
Response applyOverride(const Context& ctx, Request& req, const Change& change) {
    const auto who = requireOperator(ctx, req, Access::Change);
    const auto id = positiveId(req.path_params.at("id"), "customer");
    const auto form = req.form();
    const admin::Actor actor{who.actorName(), req.client_ip};
    const auto result = storage::inTransaction(ctx.db, storage::TxMode::Write, [&](storage::Transaction& tx) {
        return change(tx, id, form, actor, ctx.clock.now());
    });
    if (!result.ok()) {
        const int status = result.error().code == "not_found" ? 404 : 422;
        throw HttpError(status, result.error().code, result.error().message);
    }
    ctx.jobs_enqueued();
    return redirectWithNotice(ctx, "/admin/customers/" + std::to_string(id), result.value());
}

void addOverride(Router& router, const Context& ctx, const std::string& path, Change change) {
    const Context* c = &ctx;
    router.add({"POST", "/admin/customers/{id}/" + path, RouteKind::Form,
                [c, change](Request& r) { return applyOverride(*c, r, change); }, {kFormMediaType}});
}

/// The manual fallback: a customer provisioned by hand (audited), then its page.
Response provision(const Context& ctx, Request& req) {
    const auto who = requireOperator(ctx, req, Access::Change);
    const auto form = req.form();
    const auto result =
        admin::provisionByHand(ctx.provisioning, fieldOf(form, "email"), fieldOf(form, "name"), fieldOf(form, "company"),
                               {who.actorName(), req.client_ip}, fieldOf(form, "reason"));
    if (!result.ok()) throw HttpError(422, result.error().code, result.error().message);
    ctx.jobs_enqueued();
    return Response::redirect(ctx.web.public_url + "/admin/customers/" + std::to_string(result.value().customer_id) +
                              "?done=1");
}

}  // namespace

TemplateData auditRows(const std::vector<storage::AuditEntry>& entries) {
    TemplateData rows{TemplateData::type::list};
    for (const auto& e : entries) {
        TemplateData row;
        row.set("id", std::to_string(e.id));
        row.set("at", humanTime(e.at));
        row.set("actor", e.actor);
        row.set("ip", e.ip);
        row.set("action", e.action);
        row.set("target", e.target_type + " " + e.target_id);
        if (e.customer_id) row.set("customer_id", std::to_string(*e.customer_id));
        row.set("reason", e.reason);
        row.set("before", e.before_json);
        row.set("after", e.after_json);
        rows.push_back(row);
    }
    return rows;
}

void addAdminCustomerRoutes(Router& router, const Context& ctx) {
    const Context* c = &ctx;
    router.add({"GET", "/admin/customers", RouteKind::Page, [c](Request& r) { return list(*c, r); }, {}});
    router.add({"POST", "/admin/customers", RouteKind::Form, [c](Request& r) { return provision(*c, r); },
                {kFormMediaType}});
    router.add({"GET", "/admin/customers.csv", RouteKind::Page, [c](Request& r) { return csv(*c, r); }, {}});
    router.add({"GET", "/admin/customers/{id}", RouteKind::Page, [c](Request& r) { return detail(*c, r); }, {}});
    using F = std::map<std::string, std::string>;
    addOverride(router, ctx, "credits", [](storage::Transaction& tx, std::int64_t id, const F& f, const admin::Actor& a,
                                           Timestamp now) {
        return admin::grantCredits(tx, id, int(std::min<std::int64_t>(intField(fieldOf(f, "credits")), 1 << 30)), a,
                                   fieldOf(f, "reason"), now);
    });
    addOverride(router, ctx, "reset-usage", [](storage::Transaction& tx, std::int64_t id, const F& f,
                                               const admin::Actor& a, Timestamp now) {
        return admin::resetUsage(tx, id, a, fieldOf(f, "reason"), now);
    });
    addOverride(router, ctx, "suspend", [](storage::Transaction& tx, std::int64_t id, const F& f, const admin::Actor& a,
                                           Timestamp now) {
        return admin::changeStatus(tx, id, "suspended", a, fieldOf(f, "reason"), now);
    });
    addOverride(router, ctx, "reactivate", [](storage::Transaction& tx, std::int64_t id, const F& f,
                                              const admin::Actor& a, Timestamp now) {
        return admin::changeStatus(tx, id, "active", a, fieldOf(f, "reason"), now);
    });
    addOverride(router, ctx, "end-sessions", [](storage::Transaction& tx, std::int64_t id, const F& f,
                                                const admin::Actor& a, Timestamp now) {
        return admin::endAllSessions(tx, id, a, fieldOf(f, "reason"), now);
    });
    addOverride(router, ctx, "send-sign-in-link", [](storage::Transaction& tx, std::int64_t id, const F& f,
                                                     const admin::Actor& a, Timestamp now) {
        return admin::sendSignInLink(tx, id, a, fieldOf(f, "reason"), now);
    });
    addOverride(router, ctx, "resend-welcome", [](storage::Transaction& tx, std::int64_t id, const F& f,
                                                  const admin::Actor& a, Timestamp now) {
        return admin::resendWelcomeEmail(tx, id, a, fieldOf(f, "reason"), now);
    });
    addOverride(router, ctx, "erase", [](storage::Transaction& tx, std::int64_t id, const F& f, const admin::Actor& a,
                                         Timestamp now) {
        return admin::eraseCustomer(tx, id, fieldOf(f, "confirm_email"), a, fieldOf(f, "reason"), now);
    });
    addOverride(router, ctx, "verify-email", [](storage::Transaction& tx, std::int64_t id, const F& f,
                                                const admin::Actor& a, Timestamp now) {
        return admin::markEmailVerified(tx, id, a, fieldOf(f, "reason"), now);
    });
    addOverride(router, ctx, "revoke-key", [](storage::Transaction& tx, std::int64_t id, const F& f,
                                              const admin::Actor& a, Timestamp now) {
        return admin::revokeCustomerKey(tx, id, intField(fieldOf(f, "key_id")), a, fieldOf(f, "reason"), now);
    });
}

}  // namespace rsolv::http
