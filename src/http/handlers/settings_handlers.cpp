#include "common/crypto.h"
#include "domain/accounts.h"
#include "domain/events.h"
#include "domain/onboarding.h"
#include "domain/sessions.h"
#include "http/handlers/dashboard_page.h"
#include "http/handlers/routes.h"
#include "http/http_error.h"
#include "domain/sign_in.h"

namespace rsolv::http {
namespace {

struct FormState {
    std::map<std::string, std::string> values;
    std::optional<Error> error;
    bool sign_in_too_old = false;  ///< an email change needs a recent sign-in: offer a fresh link
};

Response settingsPage(const Context& ctx, Request& req, const SignedIn& who, const FormState& state = {}) {
    const Timestamp now = ctx.clock.now();
    const auto sessions = storage::inTransaction(ctx.db, storage::TxMode::Read, [&](storage::Transaction& tx) {
        return domain::liveSessions(tx, who.customer.id, now, ctx.sessions);
    });
    Response res;
    if (state.error) res.status = 422;
    if (state.sign_in_too_old) res.status = 403;
    auto d = dashboardData(ctx, req, res, who, "Settings", DashboardSection::Settings);
    const auto value = [&](const char* name, const std::string& fallback) {
        const auto it = state.values.find(name);
        return it == state.values.end() ? fallback : it->second.substr(0, 254);
    };
    d.set("name", value("name", who.customer.name));
    d.set("company", value("company", who.customer.company.value_or("")));
    d.set("email", who.customer.email);
    d.set("new_email", value("new_email", ""));
    d.set("onboarding_emails", who.customer.onboarding_emails);
    kainjow::mustache::data rows{kainjow::mustache::data::type::list};
    for (const auto& s : sessions) {
        kainjow::mustache::data row;
        row.set("browser", browserOf(s.user_agent));
        row.set("ip", s.ip);
        row.set("created", humanTime(s.created_at));
        row.set("created_iso", isoTime(s.created_at));
        row.set("last_seen", humanTime(s.last_seen_at));
        row.set("last_seen_iso", isoTime(s.last_seen_at));
        row.set("current", s.id_hash == who.session.id_hash);
        rows.push_back(row);
    }
    d.set("sessions", rows);
    d.set("session_count", std::to_string(sessions.size()));
    if (state.error) setFieldError(d, *state.error);
    if (state.sign_in_too_old) {
        d.set("has_errors", true);
        d.set("sign_in_too_old", true);
        d.set("recent_minutes",
              std::to_string(std::chrono::duration_cast<std::chrono::minutes>(ctx.web.email_change.recent_sign_in).count()));
    }
    res.body = ctx.views.page("dashboard/settings", d);
    return res;
}

Response settingsIndex(const Context& ctx, Request& req) { return settingsPage(ctx, req, requireSignedIn(ctx, req)); }

Response backToSettings(const Context& ctx) { return Response::redirect(ctx.web.public_url + "/dashboard/settings"); }

Response saveProfile(const Context& ctx, Request& req) {
    const SignedIn who = requireSignedIn(ctx, req);
    const auto form = req.form();
    std::optional<Error> error;
    storage::inTransaction(ctx.db, storage::TxMode::Write, [&](storage::Transaction& tx) {
        auto saved = domain::updateProfile(tx, who.customer.id, fieldOf(form, "name"), fieldOf(form, "company"),
                                           ctx.clock.now());
        if (!saved.ok()) {
            error = saved.error();
            return;
        }
        setNotice(ctx, tx, who.session.id_hash, "Profile saved.");
    });
    if (error) return settingsPage(ctx, req, who, {form, error});
    return backToSettings(ctx);
}

Response changeEmail(const Context& ctx, Request& req) {
    const SignedIn who = requireSignedIn(ctx, req);
    const auto form = req.form();
    using Status = domain::EmailChangeRequest::Status;
    const auto asked = storage::inTransaction(ctx.db, storage::TxMode::Write, [&](storage::Transaction& tx) {
        auto out = domain::requestEmailChange(tx, who.customer.id, fieldOf(form, "new_email"), req.client_ip,
                                              who.session.created_at, ctx.clock.now(), ctx.provisioning.disposable(),
                                              ctx.web.email_change, ctx.limiter);
        if (out.status == Status::Sent)
            setNotice(ctx, tx, who.session.id_hash, "We sent a confirmation link to " + out.new_email + ".");
        return out;
    });
    switch (asked.status) {
        case Status::Sent:
            ctx.jobs_enqueued();
            return backToSettings(ctx);
        case Status::SignInTooOld: {
            FormState state{form, std::nullopt, true};
            return settingsPage(ctx, req, who, state);
        }
        case Status::RateLimited: {
            const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(asked.retry_after).count();
            throw HttpError(429, "rate_limited",
                            "You have asked for several email changes in the last hour. Please try again later.")
                .header("Retry-After", std::to_string(std::max<long>(1, seconds)));
        }
        case Status::Invalid:
            break;
    }
    return settingsPage(ctx, req, who, {form, asked.error});
}

/// "Email me a sign-in link": a signed-in customer asks for a link to their own address (to prove it, or to sign in
/// afresh before changing it), which brings them back to `return_to`.
Response sendMeSignInLink(const Context& ctx, Request& req) {
    const SignedIn who = requireSignedIn(ctx, req);
    const std::string return_to = domain::safeReturnTo(fieldOf(req.form(), "return_to"));
    const auto outcome = storage::inTransaction(ctx.db, storage::TxMode::Write, [&](storage::Transaction& tx) {
        auto out = domain::requestSignInLink(tx, who.customer.email, return_to, req.client_ip, ctx.clock.now(),
                                             ctx.sign_in, ctx.limiter);
        if (!out.ip_limited)
            setNotice(ctx, tx, who.session.id_hash, "We sent a sign-in link to " + who.customer.email + ".");
        return out;
    });
    if (outcome.ip_limited) {
        const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(outcome.retry_after).count();
        throw HttpError(429, "rate_limited",
                        "We have sent many sign-in links to your network in the last hour. Please try again later.")
            .header("Retry-After", std::to_string(std::max<long>(1, seconds)));
    }
    ctx.jobs_enqueued();
    return Response::redirect(ctx.web.public_url + return_to);
}

Response saveNotifications(const Context& ctx, Request& req) {
    const SignedIn who = requireSignedIn(ctx, req);
    const bool enabled = fieldOf(req.form(), "onboarding_emails") == "on";
    storage::inTransaction(ctx.db, storage::TxMode::Write, [&](storage::Transaction& tx) {
        domain::setOnboardingEmails(tx, who.customer.id, enabled, ctx.clock.now());
        setNotice(ctx, tx, who.session.id_hash,
                  enabled ? "Onboarding emails are on." : "Onboarding emails are off. We will not send you more tips.");
    });
    return backToSettings(ctx);
}

Response signOutEverywhere(const Context& ctx, Request& req) {
    const SignedIn who = requireSignedIn(ctx, req);
    storage::inTransaction(ctx.db, storage::TxMode::Write, [&](storage::Transaction& tx) {
        domain::signOutEverywhere(tx, who.customer.id, ctx.clock.now());
    });
    Response res = Response::redirect(ctx.web.public_url + "/login?notice=signed_out_everywhere");
    res.cookie(expiredSessionCookie(ctx.web));
    return res;
}

/// The link in the confirmation email opens a page with a button, like a sign-in link: a prefetch changes nothing.
Response confirmEmailPage(const Context& ctx, Request& req) {
    const std::string token = req.path_params.at("token");
    const auto pending = storage::inTransaction(ctx.db, storage::TxMode::Read, [&](storage::Transaction& tx) {
        return domain::pendingEmailChange(tx, token, ctx.clock.now());
    });
    Response res;
    res.header("Referrer-Policy", "no-referrer");
    if (!pending) {
        res.status = 410;
        auto d = pageData(ctx, req, res, "This link has expired", currentSignedIn(ctx, req));
        d.set("heading", "This link has expired");
        d.set("message", "Confirmation links work once and for 24 hours. Ask for a new one from your settings.");
        res.body = ctx.views.page("error", d);
        return res;
    }
    auto d = pageData(ctx, req, res, "Confirm your new email address", currentSignedIn(ctx, req));
    d.set("token", token);
    d.set("new_email", *pending);
    res.body = ctx.views.page("confirm_email", d);
    return res;
}

Response confirmEmail(const Context& ctx, Request& req) {
    const auto who = currentSignedIn(ctx, req);
    std::optional<Error> error;
    storage::inTransaction(ctx.db, storage::TxMode::Write, [&](storage::Transaction& tx) {
        const Timestamp now = ctx.clock.now();
        auto changed = domain::confirmEmailChange(tx, req.path_params.at("token"), who ? who->session.id_hash : "",
                                                  now, now - ctx.sessions.idle_timeout);
        if (!changed.ok()) {
            error = changed.error();
            return;
        }
        if (who && who->customer.id == changed.value().customer_id)
            setNotice(ctx, tx, who->session.id_hash, "Your email address is now " + changed.value().new_email + ".");
    });
    if (error) {
        if (error->code == "email_taken") throw HttpError(409, "email_taken", error->message);
        throw HttpError(410, "invalid_link", error->message);
    }
    ctx.jobs_enqueued();
    if (who) return backToSettings(ctx);
    return Response::redirect(ctx.web.public_url + "/login?notice=email_changed");
}

}  // namespace

void addSettingsRoutes(Router& router, const Context& ctx) {
    const Context* c = &ctx;
    const auto form = [&](const char* path, Response (*handler)(const Context&, Request&)) {
        router.add({"POST", path, RouteKind::Form, [c, handler](Request& r) { return handler(*c, r); },
                    {kFormMediaType}});
    };
    router.add({"GET", "/dashboard/settings", RouteKind::Page, [c](Request& r) { return settingsIndex(*c, r); }, {}});
    form("/dashboard/settings/profile", saveProfile);
    form("/dashboard/settings/email", changeEmail);
    form("/dashboard/settings/notifications", saveNotifications);
    form("/dashboard/settings/sign-out-everywhere", signOutEverywhere);
    form("/dashboard/email-link", sendMeSignInLink);
    router.add({"GET", "/settings/email/confirm/{token}", RouteKind::Page,
                [c](Request& r) { return confirmEmailPage(*c, r); }, {}});
    form("/settings/email/confirm/{token}", confirmEmail);
}

}  // namespace rsolv::http
