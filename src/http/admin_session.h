#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "domain/admin/operators.h"
#include "http/context.h"
#include "http/request.h"
#include "http/response.h"
#include "http/views.h"

namespace rsolv::http {

/// Operator sessions ride in their own cookie, scoped to /admin (so it never reaches customer pages), SameSite=Strict.
/// Over https it is named __Secure-rsolv_admin (__Host- would require Path=/).
std::string operatorCookieName(const WebSettings& web);
Cookie operatorCookie(const WebSettings& web, const std::string& token);
Cookie expiredOperatorCookie(const WebSettings& web);

bool isAdminPath(std::string_view path);

/// 404, as for any unknown address, when RSOLV_ADMIN_ALLOWED_CIDRS is set and the client is not in it.
void requireAllowedNetwork(const Context& ctx, const Request& request);

using domain::admin::OperatorSignedIn;
std::optional<OperatorSignedIn> currentOperator(const Context& ctx, const Request& request);

/// The signed-in operator: 404 from a network not allowed, 303 to /admin/login without a live operator session,
/// 403 when `change` and the operator is a viewer.
enum class Access { Read, Change };
OperatorSignedIn requireOperator(const Context& ctx, const Request& request, Access access);

/// The console's sections, for its navigation.
enum class AdminSection { None, Home, Customers, Jobs, Signups, Audit, Operators, Metrics, Support, Alerts };

/// After a change, back to `path` (under the public URL), where the change's own sentence ("Granted 5 credits: the
/// limit is now 15.") shows once. The sentence travels in a sealed one-minute cookie on /admin, not in the URL: it may
/// name an address, and URLs reach access logs.
Response redirectWithNotice(const Context& ctx, const std::string& path, const std::string& notice);

/// The layout's fields for a console page: title, CSRF token bound to the operator session, navigation, who, and the
/// notice of the change just made (its cookie is cleared on `response`).
ViewData adminPageData(const Context& ctx, const Request& request, Response& response, const std::string& title,
                       const std::optional<OperatorSignedIn>& who, AdminSection section);

}  // namespace rsolv::http
