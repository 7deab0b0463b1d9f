#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "metrics/exposition.h"

namespace rsolv::metrics {

using LabelValues = std::vector<std::string>;

/// Something that writes one or more metric families at scrape time.
class Collector {
public:
    virtual ~Collector() = default;
    virtual void collect(Exposition& out) const = 0;
};

/// A counter with labels: one value per label set, created on first increment. A mutex over a small map: a few
/// tens of nanoseconds per increment, nothing next to the request it counts.
class CounterFamily final : public Collector {
public:
    CounterFamily(std::string name, std::string help, std::vector<std::string> label_names);
    void inc(const LabelValues& values, unsigned long long by = 1);
    /// 0 for a label set never incremented.
    unsigned long long value(const LabelValues& values) const;
    void collect(Exposition& out) const override;

private:
    std::string name_, help_;
    std::vector<std::string> label_names_;
    mutable std::mutex mutex_;
    std::map<LabelValues, unsigned long long> values_;
};

/// A histogram with labels and fixed upper bounds (the +Inf bucket is implicit).
class HistogramFamily final : public Collector {
public:
    HistogramFamily(std::string name, std::string help, std::vector<std::string> label_names,
                    std::vector<double> bounds);
    void observe(const LabelValues& values, double value);
    /// How many observations a label set has.
    unsigned long long count(const LabelValues& values) const;
    void collect(Exposition& out) const override;

private:
    struct Series {
        std::vector<unsigned long long> buckets;  ///< per bound, not cumulative; the last is +Inf
        double sum = 0;
        unsigned long long count = 0;
    };
    std::string name_, help_;
    std::vector<std::string> label_names_;
    std::vector<double> bounds_;
    mutable std::mutex mutex_;
    std::map<LabelValues, Series> series_;
};

/// Writes a family computed at scrape time (gauges read from the database or /proc).
class FunctionCollector final : public Collector {
public:
    explicit FunctionCollector(std::function<void(Exposition&)> fn) : fn_(std::move(fn)) {}
    void collect(Exposition& out) const override { fn_(out); }

private:
    std::function<void(Exposition&)> fn_;
};

/// Every collector of the process, written in registration order.
class Registry {
public:
    CounterFamily& counter(std::string name, std::string help, std::vector<std::string> label_names);
    HistogramFamily& histogram(std::string name, std::string help, std::vector<std::string> label_names,
                               std::vector<double> bounds);
    void add(std::function<void(Exposition&)> fn);
    /// The whole exposition, as a scrape returns it.
    std::string render() const;

private:
    mutable std::mutex mutex_;
    std::vector<std::unique_ptr<Collector>> collectors_;
};

}  // namespace rsolv::metrics
