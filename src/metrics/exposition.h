#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rsolv::metrics {

/// Label names and values of one sample, in order.
using LabelPairs = std::vector<std::pair<std::string_view, std::string_view>>;

/// Writes the Prometheus text exposition format (version 0.0.4): a HELP and TYPE line per family, then its samples.
class Exposition {
public:
    static constexpr std::string_view kContentType = "text/plain; version=0.0.4; charset=utf-8";

    void family(std::string_view name, std::string_view help, std::string_view type);
    void sample(std::string_view name, const LabelPairs& labels, double value);
    void sample(std::string_view name, const LabelPairs& labels, unsigned long long value);
    const std::string& text() const { return out_; }

private:
    void labels(const LabelPairs& labels);
    std::string out_;
};

/// A label value or HELP text escaped for the format: backslash, double quote (label values only) and newline.
std::string escapeLabelValue(std::string_view value);
/// A sample value: shortest round-trip decimal, or +Inf, -Inf, NaN.
std::string formatValue(double value);

}  // namespace rsolv::metrics
