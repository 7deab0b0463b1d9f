#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "domain/api_access.h"
#include "http/context.h"
#include "http/request.h"
#include "http/response.h"

namespace rsolv::http {

inline constexpr const char* kJsonMediaType = "application/json";

/// Authenticates an API request before `handler` runs: refuses a key in the URL (400), takes the key from
/// `Authorization: Bearer` or `X-API-Key`, refuses a malformed or bad-checksum key without a query (401), then
/// checks it in the database: unknown, revoked or expired 401 with WWW-Authenticate, suspended customer 403, over the
/// per-key window 429 with Retry-After.
Response withApiCaller(const Context& ctx, const Request& request,
                       const std::function<Response(const domain::ApiCaller&)>& handler);

/// Parses a JSON body; 400 naming where it is malformed.
nlohmann::json parseJsonBody(const Request& request);

Response jsonResponse(const nlohmann::json& body, int status = 200);

/// Runs `operation` at most once per customer and Idempotency-Key (IETF draft semantics): the same key and body
/// replay the first response; the same key with another body is 422; the same key while the first request is still
/// running is 409. Keys are kept 24 hours. `operation` runs inside the transaction that stores its response.
Response idempotent(const Context& ctx, const Request& request, std::int64_t customer_id,
                    const std::function<Response(storage::Transaction&)>& operation);

}  // namespace rsolv::http
