#pragma once

#include <cstdint>
#include <exception>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace rsolv::http {

/// Ends a request with a status a client can act on. The message is for the client: no internals in it.
class HttpError : public std::runtime_error {
public:
    HttpError(int status, std::string code, const std::string& message)
        : std::runtime_error(message), status_(status), code_(std::move(code)) {}
    int status() const { return status_; }
    const std::string& code() const { return code_; }
    HttpError& header(std::string name, std::string value) {
        headers_.emplace_back(std::move(name), std::move(value));
        return *this;
    }
    const std::vector<std::pair<std::string, std::string>>& headers() const { return headers_; }

private:
    int status_;
    std::string code_;
    std::vector<std::pair<std::string, std::string>> headers_;
};

/// A path parameter that must be a positive whole number: the id, or a 404 "No <what> with that id.", since an id
/// that cannot exist names nothing.
std::int64_t positiveId(const std::string& text, const char* what);

/// The one table from an exception to what the client sees and how loudly it is logged.
struct ErrorReply {
    int status;
    std::string code;
    std::string message;
    bool log_as_error;  ///< unexpected: log with detail; expected client errors are not
    std::vector<std::pair<std::string, std::string>> headers;
};
ErrorReply errorReplyFor(std::exception_ptr error);

const char* reasonPhrase(int status);

/// The API's one error body: {"error": {"code", "message", "request_id"}}.
std::string apiErrorBody(const std::string& code, const std::string& message, const std::string& request_id);

}  // namespace rsolv::http
