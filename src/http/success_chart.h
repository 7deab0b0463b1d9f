#pragma once

#include <string>

#include "domain/success_report.h"

namespace rsolv::http {

/// The success report's cohorts as a server-rendered SVG bar chart: for each cohort, the share of new customers
/// who visited the dashboard within 24 h, started a first fix within 24 h, and opened a support ticket within
/// 7 days, with the RFC's targets as dashed lines. It scales to its container (viewBox), needs no script, and is an
/// image with a <title> and <desc>; the same numbers are in the table beside it (`table_id`).
std::string successChartSvg(const domain::SuccessReport& report, const std::string& table_id);

}  // namespace rsolv::http
