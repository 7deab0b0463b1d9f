#include <spdlog/spdlog.h>

#include "domain/events.h"
#include "domain/form_guard.h"
#include "http/handlers/routes.h"
#include "http/http_error.h"
#include "http/web_session.h"
#include "domain/key_management.h"

namespace rsolv::http {
namespace {

using Status = domain::SignupOutcome::Status;

std::string clip(const std::string& s, size_t n = 254) { return s.size() > n ? s.substr(0, n) : s; }

std::string humanDuration(Duration d) {
    const auto minutes = std::chrono::duration_cast<std::chrono::minutes>(d + std::chrono::seconds(59)).count();
    if (minutes <= 1) return "a minute";
    if (minutes < 60) return std::to_string(minutes) + " minutes";
    const auto hours = (minutes + 59) / 60;
    return hours == 1 ? "an hour" : std::to_string(hours) + " hours";
}

Response landing(const Context& ctx, Request& req) {
    Response res;
    const auto who = currentSignedIn(ctx, req);
    res.body = ctx.views.page("landing", pageData(ctx, req, res, "Automated security fixes", who));
    return res;
}

/// Why a form is shown again without a field error (issue 9): sent back too fast, or the challenge not solved.
enum class Retry { None, PressAgain, Challenge };

Response signupForm(const Context& ctx, Request& req, const std::map<std::string, std::string>& values,
                    const std::vector<Error>& errors, int status, Retry retry = Retry::None) {
    const bool press_again = retry == Retry::PressAgain;
    Response res;
    res.status = status;
    auto d = pageData(ctx, req, res,
                      press_again ? "Please press the button once more"
                                  : errors.empty() ? "Start your free trial" : "Please check the form",
                      std::nullopt);
    d.set("form_ts", domain::formStamp(ctx.web.form_key, ctx.clock.now()));
    d.set("press_again", press_again);
    d.set("challenge_failed", retry == Retry::Challenge);
    const std::string invitation = clip(fieldOf(values, "invitation"), 100);
    struct Gate {
        bool challenge = false;
        domain::SignupMode mode = domain::SignupMode::Open;
        bool invitation_usable = false;
    };
    const auto gate = storage::inTransaction(ctx.db, storage::TxMode::Read, [&](storage::Transaction& tx) {
        return Gate{domain::challengeActive(tx, ctx.web.challenge, ctx.clock.now()),
                    ctx.provisioning.signupModes().current(tx), domain::invitationLinkUsable(tx, invitation)};
    });
    const bool challenge = gate.challenge;
    // Issue 12: a private beta says so; an invitation link rides along in the form until it is used.
    d.set("private_beta", gate.mode != domain::SignupMode::Open);
    if (gate.invitation_usable) {
        d.set("invitation", invitation);
        d.set("invited", true);
    } else if (!invitation.empty()) {
        d.set("invitation_used", true);
    }
    if (challenge) {
        const auto c = domain::issueChallenge(ctx.web.challenge_key, ctx.web.challenge, ctx.clock.now());
        d.set("challenge", true);
        d.set("challenge_salt", c.salt);
        d.set("challenge_hash", c.challenge);
        d.set("challenge_signature", c.signature);
        d.set("challenge_max", std::to_string(c.max_number));
    }
    for (const char* f : {"email", "name", "company"}) {
        auto it = values.find(f);
        d.set(f, it == values.end() ? std::string() : clip(it->second));
    }
    kainjow::mustache::data list{kainjow::mustache::data::type::list};
    for (const auto& e : errors) {
        kainjow::mustache::data item;
        item.set("field", e.field);
        item.set("message", e.message);
        list.push_back(item);
        d.set(e.field + "_error", e.message);
    }
    d.set("errors", list);
    d.set("has_errors", !errors.empty());
    res.body = ctx.views.page("signup", d);
    return res;
}

/// A signed-in customer already has an account: the dashboard, not the form again.
Response signupPage(const Context& ctx, Request& req) {
    if (currentSignedIn(ctx, req)) return Response::redirect(ctx.web.public_url + "/dashboard");
    return signupForm(ctx, req, {}, {}, 200);
}

/// When the challenge is on, the form must carry a fresh solution (used up here); a refusal is recorded.
bool passesChallenge(const Context& ctx, const Request& req, const std::map<std::string, std::string>& form) {
    return storage::inTransaction(ctx.db, storage::TxMode::Write, [&](storage::Transaction& tx) {
        const Timestamp now = ctx.clock.now();
        if (!domain::challengeActive(tx, ctx.web.challenge, now)) return true;
        const auto check = domain::verifyChallenge(
            tx, ctx.web.challenge_key,
            {fieldOf(form, "challenge_salt"), fieldOf(form, "challenge_hash"), fieldOf(form, "challenge_signature"),
             fieldOf(form, "challenge_number")},
            now);
        if (check == domain::ChallengeCheck::Passed) return true;
        domain::recordChallengeFailed(tx, check, req.client_ip, now);
        return false;
    });
}

Response submitSignup(const Context& ctx, Request& req) {
    const auto form = req.form();
    const auto verdict = domain::judgeForm(ctx.web.form_key, fieldOf(form, domain::kFormStampField),
                                           fieldOf(form, domain::kHoneypotField), ctx.clock.now(),
                                           ctx.web.form_min_fill_seconds);
    if (verdict != domain::FormVerdict::Human) {
        storage::inTransaction(ctx.db, storage::TxMode::Write, [&](storage::Transaction& tx) {
            domain::recordBotSuspected(tx, "signup", verdict, req.client_ip, ctx.clock.now());
        });
        return signupForm(ctx, req, form, {}, 422, Retry::PressAgain);
    }
    if (!passesChallenge(ctx, req, form)) return signupForm(ctx, req, form, {}, 422, Retry::Challenge);
    domain::SignupRequest signup{fieldOf(form, "email"), fieldOf(form, "name"), fieldOf(form, "company"), req.client_ip,
                                 req.header("User-Agent"), true, req.received, clip(fieldOf(form, "invitation"), 100),
                                 false, {}};
    const auto outcome = ctx.provisioning.provisionFromSignup(signup);
    if (outcome.status == Status::Provisioned || outcome.status == Status::Duplicate) ctx.jobs_enqueued();

    switch (outcome.status) {
        case Status::Provisioned: {
            Response res = Response::redirect(ctx.web.public_url + "/welcome");
            res.cookie(sessionCookie(ctx.web, outcome.session_token));
            spdlog::info("signup provisioned customer {} with key {}", outcome.customer_id, outcome.api_key_display_id);
            return res;
        }
        case Status::Duplicate: {
            Response res;
            auto d = pageData(ctx, req, res, "Check your inbox", std::nullopt);
            d.set("email", outcome.email);
            res.body = ctx.views.page("signup_duplicate", d);
            return res;
        }
        case Status::RateLimited: {
            Response res;
            res.status = 429;
            const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(outcome.retry_after).count();
            res.header("Retry-After", std::to_string(std::max<long>(1, seconds)));
            auto d = pageData(ctx, req, res, "Too many sign-ups", std::nullopt);
            d.set("message", outcome.rate_limit_scope == "ip"
                                 ? "We have received many sign-ups from your network in the last hour, so we are "
                                   "pausing new ones from it for a while."
                                 : "This email address has been used to sign up several times today, so we are "
                                   "pausing sign-ups for it for a while.");
            d.set("retry_after_human", humanDuration(outcome.retry_after));
            res.body = ctx.views.page("rate_limited", d);
            return res;
        }
        case Status::Waitlisted: {
            Response res;
            auto d = pageData(ctx, req, res, "You're on the list", std::nullopt);
            d.set("email", outcome.email);
            res.body = ctx.views.page("signup_waitlist", d);
            return res;
        }
        case Status::Invalid:
            break;
    }
    return signupForm(ctx, req, form, outcome.errors, 422);
}

Response welcome(const Context& ctx, Request& req) {
    auto who = currentSignedIn(ctx, req);
    if (!who) return Response::redirect(ctx.web.public_url + "/signup");
    Response res;
    auto d = pageData(ctx, req, res, "Welcome", who);
    const auto data = storage::inTransaction(ctx.db, storage::TxMode::Write, [&](storage::Transaction& tx) {
        auto key = ctx.provisioning.takeNewKeyFlash(tx, who->session.id_hash);
        auto keys = domain::customerKeys(tx, who->customer.id);
        return std::make_pair(key, keys);
    });
    if (data.first) d.set("api_key", *data.first);
    for (const auto& k : data.second)
        if (!k.revoked_at) {
            d.set("key_display_id", k.display_id);
            break;
        }
    d.set("name", who->customer.name);
    d.set("trial_fixes_used", std::to_string(who->customer.trial_fixes_used));
    d.set("trial_fixes_limit", std::to_string(who->customer.trial_fixes_limit));
    res.body = ctx.views.page("welcome", d);
    return res;
}

}  // namespace

void addSignupRoutes(Router& router, const Context& ctx) {
    const Context* c = &ctx;
    router.add({"GET", "/", RouteKind::Page, [c](Request& r) { return landing(*c, r); }, {}});
    router.add({"GET", "/signup", RouteKind::Page, [c](Request& r) { return signupPage(*c, r); }, {}});
    router.add({"POST", "/signup", RouteKind::Form, [c](Request& r) { return submitSignup(*c, r); }, {kFormMediaType}});
    // An invitation link: the token rides in the path (the access log prints the route pattern) and then in the form.
    router.add({"GET", "/invite/{token}", RouteKind::Page,
                [c](Request& r) { return signupForm(*c, r, {{"invitation", r.path_params.at("token")}}, {}, 200); },
                {}});
    router.add({"GET", "/welcome", RouteKind::Page, [c](Request& r) { return welcome(*c, r); }, {}});
}

}  // namespace rsolv::http
