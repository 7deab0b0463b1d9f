#pragma once

#include <vector>

#include "common/templates.h"
#include "http/context.h"
#include "http/router.h"
#include "storage/audit_repository.h"

namespace rsolv::http {

/// The operator console's routes, one file each (src/http/handlers/admin_*.cpp).
void addAdminAuthRoutes(Router& router, const Context& ctx);
void addAdminHomeRoutes(Router& router, const Context& ctx);
void addAdminCustomerRoutes(Router& router, const Context& ctx);
void addAdminAuditRoutes(Router& router, const Context& ctx);
void addAdminJobRoutes(Router& router, const Context& ctx);
void addAdminOperatorRoutes(Router& router, const Context& ctx);
void addAdminSignupRoutes(Router& router, const Context& ctx);
/// Issue 13: /admin/metrics (the success report), /admin/support (tickets), /admin/alerts (built-in alerts).
void addAdminMetricsRoutes(Router& router, const Context& ctx);
/// A customer's support tickets as table rows (their page in the console).
TemplateData supportTicketRows(const Context& ctx, std::int64_t customer_id);

/// Audit entries as table rows (the audit page and a customer's page).
TemplateData auditRows(const std::vector<storage::AuditEntry>& entries);

}  // namespace rsolv::http
