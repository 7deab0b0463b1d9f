#include "http/request.h"

#include <Poco/URI.h>

#include <algorithm>
#include <cctype>
#include <strings.h>

namespace rsolv::http {

bool CaseInsensitiveLess::operator()(const std::string& a, const std::string& b) const {
    return strcasecmp(a.c_str(), b.c_str()) < 0;
}

std::string Request::header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
}

std::optional<std::string> Request::cookie(const std::string& name) const {
    auto it = cookies.find(name);
    if (it == cookies.end()) return std::nullopt;
    return it->second;
}

std::string Request::mediaType() const {
    std::string ct = header("Content-Type");
    ct = ct.substr(0, ct.find(';'));
    ct.erase(std::remove_if(ct.begin(), ct.end(), [](unsigned char c) { return std::isspace(c); }), ct.end());
    std::transform(ct.begin(), ct.end(), ct.begin(), [](unsigned char c) { return std::tolower(c); });
    return ct;
}

std::map<std::string, std::string> Request::form() const { return parseUrlEncoded(body); }
std::map<std::string, std::string> Request::queryParams() const { return parseUrlEncoded(query); }

std::map<std::string, std::string> parseUrlEncoded(std::string_view text) {
    std::map<std::string, std::string> out;
    size_t pos = 0;
    while (pos <= text.size()) {
        size_t amp = text.find('&', pos);
        if (amp == std::string_view::npos) amp = text.size();
        std::string pair(text.substr(pos, amp - pos));
        if (!pair.empty()) {
            std::replace(pair.begin(), pair.end(), '+', ' ');
            const auto eq = pair.find('=');
            std::string key, value;
            try {
                Poco::URI::decode(pair.substr(0, eq), key);
                if (eq != std::string::npos) Poco::URI::decode(pair.substr(eq + 1), value);
            } catch (const std::exception&) {
                key.clear();  // malformed escapes: the field is dropped and reported missing by the handler
            }
            if (!key.empty()) out.emplace(std::move(key), std::move(value));
        }
        pos = amp + 1;
    }
    return out;
}

std::map<std::string, std::string> parseCookieHeader(std::string_view header) {
    std::map<std::string, std::string> out;
    size_t pos = 0;
    while (pos < header.size()) {
        size_t semi = header.find(';', pos);
        if (semi == std::string_view::npos) semi = header.size();
        std::string_view part = header.substr(pos, semi - pos);
        while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
        while (!part.empty() && part.back() == ' ') part.remove_suffix(1);
        const auto eq = part.find('=');
        if (eq != std::string_view::npos && eq > 0) out.emplace(part.substr(0, eq), part.substr(eq + 1));
        pos = semi + 1;
    }
    return out;
}


std::string fieldOf(const std::map<std::string, std::string>& fields, const std::string& name) {
    const auto it = fields.find(name);
    return it == fields.end() ? std::string() : it->second;
}

}  // namespace rsolv::http
