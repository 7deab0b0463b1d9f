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
/// "just now", "5 minutes ago", "3 hours ago", "yesterday", "4 days ago", then the date; "in 40 minutes" ahead.
std::string relativeTime(Timestamp t, Timestamp now);
/// Sets `<name>` (relative), `<name>_exact` (humanTime) and `<name>_iso` on a row, for the time partial of the
/// templates: the relative time shown, the exact one on hover and for screen readers.
void setTime(kainjow::mustache::data& row, const std::string& name, Timestamp t, Timestamp now);

/// Renders a dashboard form page again with its errors (status 422): `field_error` and `<field>_error` set.
void setFieldError(ViewData& data, const Error& error);

}  // namespace rsolv::http
