// /dashboard/support: "Contact support" (issue 13). A ticket is stored and its email queued in one transaction.
#include "domain/support_tickets.h"
#include "http/handlers/dashboard_page.h"
#include "http/handlers/routes.h"
#include "http/http_error.h"

namespace rsolv::http {
namespace {

struct TicketForm {
    std::string subject;
    std::string message;
    std::vector<Error> errors;
};

Response supportPage(const Context& ctx, Request& req, const SignedIn& who, const TicketForm& form = {}) {
    Response res;
    if (!form.errors.empty()) res.status = 422;
    auto d = dashboardData(ctx, req, res, who, "Contact support", DashboardSection::Support);
    d.set("subject", form.subject.substr(0, 4 * domain::kMaxTicketSubject));
    d.set("message", form.message.substr(0, 4 * domain::kMaxTicketMessage));
    d.set("subject_max", std::to_string(domain::kMaxTicketSubject));
    d.set("message_max", std::to_string(domain::kMaxTicketMessage));
    d.set("email", who.customer.email);
    for (const auto& e : form.errors) setFieldError(d, e);
    res.body = ctx.views.page("dashboard/support", d);
    return res;
}

Response showSupport(const Context& ctx, Request& req) { return supportPage(ctx, req, requireSignedIn(ctx, req)); }

Response openTicket(const Context& ctx, Request& req, const domain::SupportPolicy& policy) {
    const SignedIn who = requireSignedIn(ctx, req);
    const auto fields = req.form();
    TicketForm form{fieldOf(fields, "subject"), fieldOf(fields, "message"), {}};
    const auto outcome = storage::inTransaction(ctx.db, storage::TxMode::Write, [&](storage::Transaction& tx) {
        auto out = domain::openSupportTicket(tx, ctx.limiter, who.customer.id, form.subject, form.message,
                                             ctx.clock.now(), policy);
        if (out.status == domain::TicketOutcome::Status::Opened)
            setNotice(ctx, tx, who.session.id_hash,
                      "Thank you. Your message reached our support team (ticket #" + std::to_string(out.ticket_id) +
                          "); we will answer at " + who.customer.email + ".");
        return out;
    });
    switch (outcome.status) {
        case domain::TicketOutcome::Status::Opened:
            ctx.jobs_enqueued();
            return Response::redirect(ctx.web.public_url + "/dashboard/support");
        case domain::TicketOutcome::Status::RateLimited: {
            const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(outcome.retry_after).count();
            throw HttpError(429, "rate_limited",
                            "You have sent several messages to support in the last hour. We have them all; please "
                            "wait for our answer or try again later.")
                .header("Retry-After", std::to_string(std::max<long>(1, seconds)));
        }
        case domain::TicketOutcome::Status::Invalid:
            break;
    }
    form.errors = outcome.errors;
    return supportPage(ctx, req, who, form);
}

}  // namespace

void addSupportRoutes(Router& router, const Context& ctx, domain::SupportPolicy policy) {
    const Context* c = &ctx;
    router.add({"GET", "/dashboard/support", RouteKind::Page, [c](Request& r) { return showSupport(*c, r); }, {}});
    router.add({"POST", "/dashboard/support", RouteKind::Form, [c, policy](Request& r) { return openTicket(*c, r, policy); },
                {kFormMediaType}});
}

}  // namespace rsolv::http
