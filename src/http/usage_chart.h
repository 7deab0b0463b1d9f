#pragma once

#include <string>
#include <vector>

#include "domain/trial_story.h"

namespace rsolv::http {

/// The overview's "fix attempts per day" chart as inline SVG (no script, no image request, styled by app.css and so
/// by the colour scheme): one bar per day, the first and last day named, and a text summary for screen readers.
std::string usageChartSvg(const std::vector<domain::DayCount>& days);

}  // namespace rsolv::http
