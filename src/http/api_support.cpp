#include "http/api_support.h"

#include <spdlog/spdlog.h>


#include "common/crypto.h"
#include "domain/api_key.h"
#include "domain/idempotency.h"
#include "http/http_error.h"

namespace rsolv::http {
namespace {

HttpError unauthorized(const std::string& code, const std::string& message) {
    return HttpError(401, code, message).header("WWW-Authenticate", "Bearer realm=\"rsolv\"");
}

bool isAsciiAlnum(char c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }

/// Whether `text` holds "rsolv_" followed by at least 20 letters or digits: something shaped like an API key.
bool looksLikeKey(std::string_view text) {
    constexpr std::string_view kPrefix = "rsolv_";
    for (auto at = text.find(kPrefix); at != std::string_view::npos; at = text.find(kPrefix, at + 1)) {
        size_t end = at + kPrefix.size();
        while (end < text.size() && isAsciiAlnum(text[end])) ++end;
        if (end - at - kPrefix.size() >= 20) return true;
    }
    return false;
}

std::string presentedKey(const Request& request) {
    const std::string auth = request.header("Authorization");
    if (!auth.empty()) {
        if (auth.size() > 7 && strncasecmp(auth.c_str(), "Bearer ", 7) == 0) {
            std::string key = auth.substr(7);
            while (!key.empty() && key.front() == ' ') key.erase(0, 1);
            while (!key.empty() && key.back() == ' ') key.pop_back();
            return key;
        }
        throw unauthorized("invalid_authorization", "Use \"Authorization: Bearer <your API key>\".");
    }
    return request.header("X-API-Key");
}

/// A request without Idempotency-Key: its writes commit unless it failed (an exception or a 5xx answer).
Response withoutKey(const Context& ctx, const std::function<Response(storage::Transaction&)>& operation) {
    auto tx = ctx.db.begin(storage::TxMode::Write);
    Response r = operation(*tx);
    if (r.status < 500) tx->commit();
    return r;
}

/// Forgets the in-progress key of a request that failed, so the client's retry runs it. When even that fails (the
/// database is down) the record stays in progress until it is stale and a retry takes it over: say so in the log.
void releaseKey(const Context& ctx, std::int64_t customer_id, const std::string& key) {
    try {
        storage::inTransaction(ctx.db, storage::TxMode::Write, [&](storage::Transaction& tx) {
            domain::releaseIdempotencyKey(tx, customer_id, key);
        });
    } catch (const std::exception& e) {
        spdlog::error("could not release Idempotency-Key of customer {} after a failed request: {}; a retry is "
                      "refused with 409 until the record is {} s old",
                      customer_id, e.what(),
                      std::chrono::duration_cast<std::chrono::seconds>(domain::kIdempotencyStale).count());
    }
}

/// ": 1e99999" from nlohmann's "number overflow parsing '1e99999'", cut short; empty when there is none.
std::string quotedToken(std::string_view what) {
    const auto open = what.find('\'');
    const auto close = what.rfind('\'');
    if (open == std::string_view::npos || close <= open + 1) return "";
    std::string token(what.substr(open + 1, std::min<size_t>(close - open - 1, 40)));
    for (char& c : token)
        if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) c = '?';
    return ": " + token;
}

}  // namespace

Response jsonResponse(const nlohmann::json& body, int status) { return Response::json(body.dump(), status); }

nlohmann::json parseJsonBody(const Request& request) {
    try {
        return nlohmann::json::parse(request.body);
    } catch (const nlohmann::json::parse_error& e) {
        throw HttpError(400, "malformed_json",
                        "The body is not valid JSON (at byte " + std::to_string(e.byte) + ").");
    } catch (const nlohmann::json::out_of_range& e) {
        // A number too large for a double (1e99999): valid JSON grammar, but nothing can hold it.
        throw HttpError(400, "malformed_json", "The body has a number out of range" + quotedToken(e.what()) + ".");
    } catch (const nlohmann::json::exception&) {
        throw HttpError(400, "malformed_json", "The body is not valid JSON.");
    }
}

Response withApiCaller(const Context& ctx, const Request& request,
                       const std::function<Response(const domain::ApiCaller&)>& handler) {
    if (looksLikeKey(request.path) || looksLikeKey(request.query))
        throw HttpError(400, "api_key_in_url",
                        "Send the API key in the Authorization header, never in the URL. Treat this key as exposed "
                        "and roll it from your dashboard.");
    const std::string key = presentedKey(request);
    if (key.empty()) throw unauthorized("missing_api_key", "Send your API key as \"Authorization: Bearer <key>\".");
    if (!domain::isWellFormedApiKey(key))
        throw unauthorized("invalid_api_key", "This is not a valid RSOLV API key.");

    if (!ctx.api_keys) throw std::logic_error("the context has no API key authenticator");
    const auto access = ctx.api_keys->authorize(key, ctx.clock.now());
    using Status = domain::ApiAccess::Status;
    switch (access.status) {
        case Status::Granted: return handler(access.caller);
        case Status::UnknownKey: throw unauthorized("invalid_api_key", "This API key is not valid.");
        case Status::RevokedKey: throw unauthorized("revoked_api_key", "This API key has been revoked.");
        case Status::ExpiredKey: throw unauthorized("expired_api_key", "This API key has expired.");
        case Status::SuspendedCustomer:
            throw HttpError(403, "account_suspended", "This account is suspended. Contact support.");
        case Status::RateLimited: {
            const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(access.retry_after).count();
            throw HttpError(429, "rate_limited",
                            "Too many requests for this API key. Try again in " + std::to_string(seconds) + " s.")
                .header("Retry-After", std::to_string(std::max<long>(1, seconds)));
        }
    }
    throw std::logic_error("unhandled API access status");
}

Response idempotent(const Context& ctx, const Request& request, std::int64_t customer_id,
                    const std::function<Response(storage::Transaction&)>& operation) {
    const std::string key = request.header("Idempotency-Key");
    if (key.empty()) return withoutKey(ctx, operation);
    if (key.size() > 255 || std::any_of(key.begin(), key.end(), [](unsigned char c) { return c < 0x21 || c > 0x7e; }))
        throw HttpError(400, "invalid_idempotency_key", "Idempotency-Key must be 1 to 255 visible ASCII characters.");
    const std::string fingerprint = crypto::sha256Hex(request.method + " " + request.path + "\n" + request.body);

    const auto claim = storage::inTransaction(ctx.db, storage::TxMode::Write, [&](storage::Transaction& tx) {
        return domain::claimIdempotencyKey(tx, customer_id, key, fingerprint, ctx.clock.now());
    });
    using Status = domain::IdempotencyClaim::Status;
    switch (claim.status) {
        case Status::Claimed: break;
        case Status::Vanished: throw HttpError(409, "idempotency_key_in_use", "Retry this request in a moment.");
        case Status::Reused:
            throw HttpError(422, "idempotency_key_reused",
                            "This Idempotency-Key was already used with a different request.");
        case Status::InProgress:
            throw HttpError(409, "idempotency_key_in_use",
                            "A request with this Idempotency-Key is still being processed.")
                .header("Retry-After", "1");
        case Status::Replay: {
            Response r = Response::json(claim.stored.body, claim.stored.status);
            if (claim.stored.location) r.header("Location", *claim.stored.location);
            r.header("Idempotent-Replayed", "true");
            return r;
        }
    }

    try {
        auto tx = ctx.db.begin(storage::TxMode::Write);
        Response r = operation(*tx);
        if (r.status >= 500) {
            // A 5xx is a failure like an exception: its writes roll back and its key is released, so a retry runs.
            tx.reset();
            releaseKey(ctx, customer_id, key);
            return r;
        }
        domain::completeIdempotencyKey(*tx, customer_id, key, {r.status, r.body, r.findHeader("Location")});
        tx->commit();
        return r;
    } catch (...) {
        releaseKey(ctx, customer_id, key);
        throw;
    }
}

}  // namespace rsolv::http
