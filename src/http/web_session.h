#pragma once

#include <optional>
#include <string>

#include "http/context.h"
#include "http/request.h"
#include "http/response.h"
#include "storage/customer_repository.h"
#include "storage/session_repository.h"

namespace rsolv::http {

/// Cookie names: the __Host- prefix (Secure, Path=/, no Domain) whenever the site is served over https.
std::string sessionCookieName(const WebSettings& web);
std::string preSessionCookieName(const WebSettings& web);

Cookie sessionCookie(const WebSettings& web, const std::string& token);
Cookie expiredSessionCookie(const WebSettings& web);

/// The signed-in customer of a browser request, if its session is alive.
struct SignedIn {
    storage::SessionRecord session;
    storage::CustomerRecord customer;
};
std::optional<SignedIn> currentSignedIn(const Context& ctx, const Request& request);

/// The value a form's CSRF token is bound to: the session cookie, else the pre-session cookie, which is created on
/// the response when the browser has neither.
std::string csrfBinding(const Context& ctx, const Request& request, Response* response_to_set_cookie);

/// Adds the layout's common fields: title, signed-in state, CSRF token, request id.
ViewData pageData(const Context& ctx, const Request& request, Response& response, const std::string& title,
                  const std::optional<SignedIn>& who);

}  // namespace rsolv::http
