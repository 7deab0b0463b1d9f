#pragma once

#include "http/context.h"
#include "http/router.h"
#include "domain/support_tickets.h"

namespace rsolv::http {

/// Every route of the service, registered on one router by the composition root.
void addSignupRoutes(Router& router, const Context& ctx);
void addHealthRoutes(Router& router, const Context& ctx);
void addStaticRoutes(Router& router);
void addEmailLinkRoutes(Router& router, const Context& ctx);
void addApiRoutes(Router& router, const Context& ctx);
void addAuthRoutes(Router& router, const Context& ctx);
void addDashboardRoutes(Router& router, const Context& ctx);
void addKeyRoutes(Router& router, const Context& ctx);
void addSettingsRoutes(Router& router, const Context& ctx);
void addAccountSecurityRoutes(Router& router, const Context& ctx);
/// Issue 13: the dashboard's "Contact support" page (support_handlers.cpp).
void addSupportRoutes(Router& router, const Context& ctx, domain::SupportPolicy policy);

/// The media type browser forms are sent as.
inline constexpr const char* kFormMediaType = "application/x-www-form-urlencoded";

}  // namespace rsolv::http
