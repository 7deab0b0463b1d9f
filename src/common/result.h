#pragma once

#include <string>
#include <utility>
#include <variant>

namespace rsolv {

/// An expected failure: a machine-readable code, the field it concerns (may be empty) and a message for a person.
struct Error {
    std::string code;
    std::string field;
    std::string message;
};

/// A value or an expected failure. Exceptions are kept for what ends a request; what a user can cause is a Result.
template <class T, class E = Error>
class Result {
public:
    Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT(implicit)
    Result(E error) : v_(std::in_place_index<1>, std::move(error)) {}  // NOLINT(implicit)

    bool ok() const { return v_.index() == 0; }
    explicit operator bool() const { return ok(); }

    T& value() & { return std::get<0>(v_); }
    const T& value() const& { return std::get<0>(v_); }
    T&& value() && { return std::get<0>(std::move(v_)); }
    const E& error() const { return std::get<1>(v_); }

private:
    std::variant<T, E> v_;
};

}  // namespace rsolv
