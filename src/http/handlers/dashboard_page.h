#pragma once

#include <string>

#include "http/context.h"
#include "http/request.h"
#include "http/response.h"
#include "http/web_session.h"

namespace rsolv::http {

/// The dashboard's sections, for its navigation (aria-current on the one shown).
enum class DashboardSection { Overview, Setup, Keys, Workflow, Settings, Review, Support };

/// pageData plus the dashboard's navigation.
ViewData dashboardData(const Context& ctx, const Request& request, Response& response, const SignedIn& who,
                       const std::string& title, DashboardSection section);

/// "2026-11-24 09:00 UTC": what a person reads in a table; a <time> element carries the exact value.
std::string humanTime(Timestamp t);
/// A short, readable description of a browser from its User-Agent ("Firefox on Linux").
std::string browserOf(const std::string& user_agent);
/// ISO 8601 for <time datetime="...">.
std::string isoTime(Timestamp t);

/// Renders a dashboard form page again with its errors (status 422): `field_error` and `<field>_error` set.
void setFieldError(ViewData& data, const Error& error);

}  // namespace rsolv::http
