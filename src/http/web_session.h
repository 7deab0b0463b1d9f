#pragma once

#include <optional>
#include <string>

#include "http/context.h"
#include "http/http_error.h"
#include "http/request.h"
#include "http/response.h"
#include "domain/sessions.h"

namespace rsolv::http {

/// Cookie names: the __Host- prefix (Secure, Path=/, no Domain) whenever the site is served over https.
std::string sessionCookieName(const WebSettings& web);
std::string preSessionCookieName(const WebSettings& web);

Cookie sessionCookie(const WebSettings& web, const std::string& token);
Cookie expiredSessionCookie(const WebSettings& web);

/// The signed-in customer of a browser request, if its session is alive.
using SignedIn = domain::SignedInCustomer;
std::optional<SignedIn> currentSignedIn(const Context& ctx, const Request& request);

/// The value a form's CSRF token is bound to: the session cookie (under /admin, the operator's session cookie), else
/// the pre-session cookie, which is created on the response when the browser has neither.
std::string csrfBinding(const Context& ctx, const Request& request, Response* response_to_set_cookie);

/// The signed-in customer, or else an HttpError 303 to /login?return_to=<this page>, which the dispatcher sends. A form
/// sent without a live session goes to sessionEnded instead.
SignedIn requireSignedIn(const Context& ctx, const Request& request);

/// A form sent after the session ended (timed out, or signed out in another tab): an HttpError 303 to the sign-in page
/// with the "your session ended" notice and return_to = the page the form was on (its same-origin Referer), else
/// /dashboard.
HttpError sessionEnded(const Context& ctx, const Request& request);

/// A one-line message for the next page this session shows (post-redirect-get), sealed like every flash.
void setNotice(const Context& ctx, storage::Transaction& tx, const std::string& session_hash, const std::string& text);

/// A one-time secret (a new API key) for the next page this session shows.
void setSecretFlash(const Context& ctx, storage::Transaction& tx, const std::string& session_hash,
                    const std::string& kind, const std::string& secret);
std::optional<std::string> takeSecretFlash(const Context& ctx, storage::Transaction& tx,
                                           const std::string& session_hash, const std::string& kind);

/// Adds the layout's common fields: title, signed-in state, CSRF token, request id, and the session's notice.
ViewData pageData(const Context& ctx, const Request& request, Response& response, const std::string& title,
                  const std::optional<SignedIn>& who);

}  // namespace rsolv::http
