#include "metrics/registry.h"

#include <stdexcept>


namespace rsolv::metrics {
namespace {

LabelPairs pairsOf(const std::vector<std::string>& names, const LabelValues& values) {
    LabelPairs out;
    out.reserve(names.size() + 1);
    for (size_t i = 0; i < names.size(); ++i) out.emplace_back(names[i], values[i]);
    return out;
}

void checkArity(const std::vector<std::string>& names, const LabelValues& values) {
    if (names.size() != values.size()) throw std::logic_error("metric label values do not match the label names");
}

}  // namespace

CounterFamily::CounterFamily(std::string name, std::string help, std::vector<std::string> label_names)
    : name_(std::move(name)), help_(std::move(help)), label_names_(std::move(label_names)) {}

void CounterFamily::inc(const LabelValues& values, unsigned long long by) {
    checkArity(label_names_, values);
    std::lock_guard lock(mutex_);
    values_[values] += by;
}

unsigned long long CounterFamily::value(const LabelValues& values) const {
    std::lock_guard lock(mutex_);
    const auto it = values_.find(values);
    return it == values_.end() ? 0 : it->second;
}

void CounterFamily::collect(Exposition& out) const {
    out.family(name_, help_, "counter");
    std::lock_guard lock(mutex_);
    for (const auto& [values, n] : values_) out.sample(name_, pairsOf(label_names_, values), n);
}

HistogramFamily::HistogramFamily(std::string name, std::string help, std::vector<std::string> label_names,
                                 std::vector<double> bounds)
    : name_(std::move(name)), help_(std::move(help)), label_names_(std::move(label_names)), bounds_(std::move(bounds)) {}

void HistogramFamily::observe(const LabelValues& values, double value) {
    checkArity(label_names_, values);
    size_t bucket = 0;
    while (bucket < bounds_.size() && value > bounds_[bucket]) ++bucket;
    std::lock_guard lock(mutex_);
    Series& s = series_[values];
    if (s.buckets.empty()) s.buckets.assign(bounds_.size() + 1, 0);
    ++s.buckets[bucket];
    s.sum += value;
    ++s.count;
}

unsigned long long HistogramFamily::count(const LabelValues& values) const {
    std::lock_guard lock(mutex_);
    const auto it = series_.find(values);
    return it == series_.end() ? 0 : it->second.count;
}

void HistogramFamily::collect(Exposition& out) const {
    out.family(name_, help_, "histogram");
    const std::string bucket = name_ + "_bucket", sum = name_ + "_sum", count = name_ + "_count";
    std::lock_guard lock(mutex_);
    for (const auto& [values, s] : series_) {
        LabelPairs labels = pairsOf(label_names_, values);
        unsigned long long cumulative = 0;
        for (size_t i = 0; i <= bounds_.size(); ++i) {
            cumulative += s.buckets[i];
            const std::string le = i < bounds_.size() ? formatValue(bounds_[i]) : "+Inf";
            labels.emplace_back("le", le);
            out.sample(bucket, labels, cumulative);
            labels.pop_back();
        }
        out.sample(sum, labels, s.sum);
        out.sample(count, labels, s.count);
    }
}

CounterFamily& Registry::counter(std::string name, std::string help, std::vector<std::string> label_names) {
    auto c = std::make_unique<CounterFamily>(std::move(name), std::move(help), std::move(label_names));
    auto& ref = *c;
    std::lock_guard lock(mutex_);
    collectors_.push_back(std::move(c));
    return ref;
}

HistogramFamily& Registry::histogram(std::string name, std::string help, std::vector<std::string> label_names,
                                     std::vector<double> bounds) {
    auto h = std::make_unique<HistogramFamily>(std::move(name), std::move(help), std::move(label_names),
                                               std::move(bounds));
    auto& ref = *h;
    std::lock_guard lock(mutex_);
    collectors_.push_back(std::move(h));
    return ref;
}

void Registry::add(std::function<void(Exposition&)> fn) {
    std::lock_guard lock(mutex_);
    collectors_.push_back(std::make_unique<FunctionCollector>(std::move(fn)));
}

std::string Registry::render() const {
    Exposition out;
    std::lock_guard lock(mutex_);
    for (const auto& c : collectors_) c->collect(out);
    return out.text();
}

}  // namespace rsolv::metrics
