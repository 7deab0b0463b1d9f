#include <charconv>

#include "common/embedded.h"
#include "domain/api_account.h"
#include "domain/fix_attempts.h"
#include "http/api_support.h"
#include "http/handlers/routes.h"
#include "http/http_error.h"

namespace rsolv::http {
namespace {

constexpr int kDefaultPage = 20;
constexpr int kMaxPage = 100;

HttpError unprocessable(const Error& e) {
    return HttpError(422, e.code, e.message + (e.field.empty() || e.message.find('"' + e.field + '"') != std::string::npos
                                                   ? ""
                                                   : " (field \"" + e.field + "\")"));
}

Response account(const Context& ctx, const Request& req) {
    return withApiCaller(ctx, req, [&](const domain::ApiCaller& caller) {
        if (!ctx.api_accounts) throw std::logic_error("the context has no API accounts");
        const auto account = ctx.api_accounts->find(caller.customer_id);
        if (!account) throw HttpError(404, "not_found", "The account no longer exists.");
        return jsonResponse(domain::toJson(*account, ctx.api.trial_refunds));
    });
}

Response createFixAttempt(const Context& ctx, const Request& req) {
    return withApiCaller(ctx, req, [&](const domain::ApiCaller& caller) {
        const auto input = domain::parseFixAttemptInput(parseJsonBody(req));
        if (!input.ok()) throw unprocessable(input.error());
        return idempotent(ctx, req, caller.customer_id, [&](storage::Transaction& tx) {
            auto started =
                domain::startFixAttempt(tx, caller, input.value(), ctx.clock.now(), ctx.api.unverified_fix_limit);
            if (!started.ok())
                return Response::json(apiErrorBody(started.error().code, started.error().message, req.request_id),
                                      started.error().code == "email_unverified" ? 403 : 402);
            Response r = jsonResponse(domain::toJson(started.value()), 201);
            r.header("Location", ctx.web.public_url + "/api/v1/fix-attempts/" + std::to_string(started.value().id));
            return r;
        });
    });
}

Response updateFixAttempt(const Context& ctx, const Request& req) {
    return withApiCaller(ctx, req, [&](const domain::ApiCaller& caller) {
        const std::int64_t id = positiveId(req.path_params.at("id"), "fix attempt");
        const auto update = domain::parseFixAttemptUpdate(parseJsonBody(req));
        if (!update.ok()) throw unprocessable(update.error());
        const auto done = storage::inTransaction(ctx.db, storage::TxMode::Write, [&](storage::Transaction& tx) {
            return domain::finishFixAttempt(tx, caller.customer_id, id, update.value(), ctx.api.trial_refunds,
                                            ctx.clock.now());
        });
        if (!done.ok()) {
            if (done.error().code == "not_found") throw HttpError(404, "not_found", done.error().message);
            throw HttpError(409, done.error().code, done.error().message);
        }
        auto body = domain::toJson(done.value().attempt);
        // The refund decision is news only when an attempt failed; a success answers with the attempt as GET shows it.
        if (done.value().attempt.status == "failed") body["refunds_remaining"] = done.value().refunds_remaining;
        return jsonResponse(body);
    });
}

Response getFixAttempt(const Context& ctx, const Request& req) {
    return withApiCaller(ctx, req, [&](const domain::ApiCaller& caller) {
        const std::int64_t id = positiveId(req.path_params.at("id"), "fix attempt");
        const auto found = storage::inTransaction(ctx.db, storage::TxMode::SingleRead, [&](storage::Transaction& tx) {
            return domain::findFixAttempt(tx, caller.customer_id, id);
        });
        if (!found) throw HttpError(404, "not_found", "No fix attempt with that id.");
        return jsonResponse(domain::toJson(*found));
    });
}

Response listFixAttempts(const Context& ctx, const Request& req) {
    return withApiCaller(ctx, req, [&](const domain::ApiCaller& caller) {
        const auto params = req.queryParams();
        int limit = kDefaultPage;
        std::optional<std::int64_t> cursor;
        for (const auto& [name, value] : params) {
            if (name == "limit") {
                auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), limit);
                if (ec != std::errc() || p != value.data() + value.size() || limit < 1 || limit > kMaxPage)
                    throw HttpError(400, "invalid_parameter",
                                    "\"limit\" must be a whole number from 1 to " + std::to_string(kMaxPage) + ".");
            } else if (name == "cursor") {
                std::int64_t c = 0;
                auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), c);
                if (ec != std::errc() || p != value.data() + value.size() || c <= 0)
                    throw HttpError(400, "invalid_parameter", "\"cursor\" must be the next_cursor of a previous page.");
                cursor = c;
            } else {
                throw HttpError(400, "invalid_parameter", "Unknown query parameter \"" + name + "\".");
            }
        }
        const auto page = storage::inTransaction(ctx.db, storage::TxMode::SingleRead, [&](storage::Transaction& tx) {
            return domain::listFixAttempts(tx, caller.customer_id, cursor, limit + 1);
        });
        nlohmann::json data = nlohmann::json::array();
        for (size_t i = 0; i < page.size() && int(i) < limit; ++i) data.push_back(domain::toJson(page[i]));
        const bool more = int(page.size()) > limit;
        return jsonResponse({{"data", data},
                             {"has_more", more},
                             {"next_cursor", more ? nlohmann::json(std::to_string(page[size_t(limit) - 1].id))
                                                  : nlohmann::json(nullptr)}});
    });
}

}  // namespace

void addApiRoutes(Router& router, const Context& ctx) {
    const Context* c = &ctx;
    router.add({"GET", "/api/v1/account", RouteKind::Api, [c](Request& r) { return account(*c, r); }, {}});
    router.add({"POST", "/api/v1/fix-attempts", RouteKind::Api, [c](Request& r) { return createFixAttempt(*c, r); },
                {kJsonMediaType}});
    router.add({"GET", "/api/v1/fix-attempts", RouteKind::Api, [c](Request& r) { return listFixAttempts(*c, r); }, {}});
    router.add({"GET", "/api/v1/fix-attempts/{id}", RouteKind::Api, [c](Request& r) { return getFixAttempt(*c, r); },
                {}});
    router.add({"PATCH", "/api/v1/fix-attempts/{id}", RouteKind::Api,
                [c](Request& r) { return updateFixAttempt(*c, r); }, {kJsonMediaType}});
    const auto spec = embedded::find("data/openapi.json");
    if (!spec) throw std::logic_error("data/openapi.json is not embedded");
    const std::string body(*spec);
    router.add({"GET", "/api/v1/openapi.json", RouteKind::Api, [body](Request&) { return Response::json(body); }, {}});
}

}  // namespace rsolv::http
