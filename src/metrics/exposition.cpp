#include "metrics/exposition.h"

#include <fmt/format.h>

#include <cmath>

namespace rsolv::metrics {

std::string escapeLabelValue(std::string_view value) {
    std::string out;
    out.reserve(value.size());
    for (const char c : value) {
        if (c == '\\')
            out += "\\\\";
        else if (c == '"')
            out += "\\\"";
        else if (c == '\n')
            out += "\\n";
        else
            out += c;
    }
    return out;
}

std::string formatValue(double value) {
    if (std::isnan(value)) return "NaN";
    if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
    return fmt::format("{}", value);
}

namespace {
std::string escapeHelp(std::string_view help) {
    std::string out;
    for (const char c : help) {
        if (c == '\\')
            out += "\\\\";
        else if (c == '\n')
            out += "\\n";
        else
            out += c;
    }
    return out;
}
}  // namespace

void Exposition::family(std::string_view name, std::string_view help, std::string_view type) {
    fmt::format_to(std::back_inserter(out_), "# HELP {} {}\n# TYPE {} {}\n", name, escapeHelp(help), name, type);
}

void Exposition::labels(const LabelPairs& labels) {
    if (labels.empty()) return;
    out_ += '{';
    bool first = true;
    for (const auto& [k, v] : labels) {
        if (!first) out_ += ',';
        first = false;
        out_ += k;
        out_ += "=\"";
        out_ += escapeLabelValue(v);
        out_ += '"';
    }
    out_ += '}';
}

void Exposition::sample(std::string_view name, const LabelPairs& l, double value) {
    out_ += name;
    labels(l);
    out_ += ' ';
    out_ += formatValue(value);
    out_ += '\n';
}

void Exposition::sample(std::string_view name, const LabelPairs& l, unsigned long long value) {
    out_ += name;
    labels(l);
    fmt::format_to(std::back_inserter(out_), " {}\n", value);
}

}  // namespace rsolv::metrics
