#include "http/http_error.h"

#include <Poco/Exception.h>

#include <charconv>

#include <nlohmann/json.hpp>

#include "storage/database.h"

namespace rsolv::http {

std::int64_t positiveId(const std::string& text, const char* what) {
    std::int64_t v = 0;
    const auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || p != text.data() + text.size() || v <= 0)
        throw HttpError(404, "not_found", std::string("No ") + what + " with that id.");
    return v;
}

ErrorReply errorReplyFor(std::exception_ptr error) {
    try {
        std::rethrow_exception(error);
    } catch (const HttpError& e) {
        return {e.status(), e.code(), e.what(), e.status() >= 500, e.headers()};
    } catch (const storage::StorageError& e) {
        if (e.kind() == storage::StorageError::Kind::Unavailable || e.kind() == storage::StorageError::Kind::Conflict)
            return {503, "unavailable", "The service is briefly unavailable. Please try again in a moment.", true,
                    {{"Retry-After", "5"}}};
        return {500, "internal_error", "Something went wrong on our side. We have been notified.", true, {}};
    } catch (const Poco::TimeoutException&) {
        return {408, "request_timeout", "The request took too long to arrive.", false, {}};
    } catch (...) {
        return {500, "internal_error", "Something went wrong on our side. We have been notified.", true, {}};
    }
}

std::string apiErrorBody(const std::string& code, const std::string& message, const std::string& request_id) {
    return nlohmann::json{{"error", {{"code", code}, {"message", message}, {"request_id", request_id}}}}.dump();
}

const char* reasonPhrase(int status) {
    switch (status) {
        case 200: return "OK";
        case 201: return "Created";
        case 204: return "No Content";
        case 302: return "Found";
        case 303: return "See Other";
        case 304: return "Not Modified";
        case 400: return "Bad Request";
        case 401: return "Unauthorized";
        case 402: return "Payment Required";
        case 403: return "Forbidden";
        case 404: return "Not Found";
        case 405: return "Method Not Allowed";
        case 408: return "Request Timeout";
        case 409: return "Conflict";
        case 410: return "Gone";
        case 413: return "Content Too Large";
        case 415: return "Unsupported Media Type";
        case 422: return "Unprocessable Content";
        case 429: return "Too Many Requests";
        case 431: return "Request Header Fields Too Large";
        case 500: return "Internal Server Error";
        case 503: return "Service Unavailable";
        case 505: return "HTTP Version Not Supported";
        default: return "Unknown";
    }
}

}  // namespace rsolv::http
