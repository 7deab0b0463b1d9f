#include "domain/disposable_domains.h"

#include <idn2.h>
#include <libpsl.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace rsolv::domain {
namespace {

std::string_view trim(std::string_view s) {
    constexpr std::string_view kSpace = " \t\r\n\f\v";
    const size_t first = s.find_first_not_of(kSpace);
    if (first == std::string_view::npos) return {};
    return s.substr(first, s.find_last_not_of(kSpace) - first + 1);
}

void lowerAscii(std::string& s) {
    for (char& c : s)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
}

/// Lowercase ASCII with no trailing dot, the form parseEmail gives; Unicode entries in local files become punycode.
/// An empty result means the entry is not a domain name.
std::string normalise(std::string_view entry) {
    std::string domain(trim(entry));
    if (!domain.empty() && domain.back() == '.') domain.pop_back();
    const bool ascii = std::all_of(domain.begin(), domain.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
    if (!ascii) {
        char* out = nullptr;
        int rc = idn2_to_ascii_8z(domain.c_str(), &out, IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT);
        if (rc != IDN2_OK) {
            std::free(out);
            out = nullptr;
            rc = idn2_to_ascii_8z(domain.c_str(), &out, IDN2_TRANSITIONAL | IDN2_NFC_INPUT);
        }
        std::unique_ptr<char, decltype(&std::free)> owned(out, &std::free);
        if (rc != IDN2_OK || !out) return {};
        domain = out;
    }
    lowerAscii(domain);
    if (domain.empty() || domain.front() == '.' || domain.find("..") != std::string::npos) return {};
    for (char c : domain)
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.')) return {};
    return domain;
}

template <class Set>
void insertAll(Set& set, const std::vector<std::string>& entries, const char* what) {
    for (const auto& entry : entries) {
        std::string domain = normalise(entry);
        if (domain.empty()) throw std::runtime_error(std::string(what) + ": not a domain name: '" + entry + "'");
        set.insert(std::move(domain));
    }
}

}  // namespace

DisposableDomains::DisposableDomains(std::string_view blocklist_json, std::vector<std::string> local_allow,
                                     std::vector<std::string> local_block) {
    nlohmann::json list;
    try {
        list = nlohmann::json::parse(blocklist_json);
    } catch (const nlohmann::json::exception& e) {
        throw std::runtime_error(std::string("disposable-domain list is not valid JSON: ") + e.what());
    }
    if (!list.is_array()) throw std::runtime_error("disposable-domain list must be a JSON array of domain names");

    std::vector<std::string> listed;
    listed.reserve(list.size());
    for (const auto& entry : list) {
        if (!entry.is_string())
            throw std::runtime_error("disposable-domain list holds a non-string entry: " + entry.dump());
        listed.push_back(entry.get<std::string>());
    }
    blocked_.reserve(listed.size() + local_block.size());
    insertAll(blocked_, listed, "disposable-domain list");
    // Allow beats both kinds of block, so a local block can share one set with the list.
    insertAll(blocked_, local_block, "local disposable-domain block list");
    for (std::string_view relay : builtInAllow()) allowed_.insert(std::string(relay));
    insertAll(allowed_, local_allow, "local disposable-domain allow list");
}

std::vector<std::string> DisposableDomains::readDomainFile(const std::string& path) {
    std::ifstream in(path);
    if (!in.is_open()) throw std::runtime_error("cannot open domain file '" + path + "'");
    std::vector<std::string> domains;
    std::string line;
    while (std::getline(in, line)) {
        std::string_view content = line;
        if (const size_t hash = content.find('#'); hash != std::string_view::npos) content = content.substr(0, hash);
        content = trim(content);
        if (!content.empty()) domains.emplace_back(content);
    }
    // getline stops on a read error as on end of file; only bad() tells them apart (a directory ends up here).
    if (in.bad()) throw std::runtime_error("cannot read domain file '" + path + "'");
    return domains;
}

bool DisposableDomains::isDisposable(std::string_view ascii_domain) const {
    std::string domain(trim(ascii_domain));
    if (!domain.empty() && domain.back() == '.') domain.pop_back();
    lowerAscii(domain);
    if (domain.empty()) return false;

    // Walk from the full name up to the registrable domain: "a.b.mailinator.com", "b.mailinator.com", "mailinator.com".
    // If the name is itself a public suffix (or libpsl has no answer) only the name itself is looked up.
    const char* registrable = psl_registrable_domain(psl_builtin(), domain.c_str());
    std::vector<std::string_view> candidates;
    std::string_view candidate = domain;
    while (true) {
        candidates.push_back(candidate);
        if (!registrable || candidate == registrable) break;
        const size_t dot = candidate.find('.');
        if (dot == std::string_view::npos) break;
        candidate.remove_prefix(dot + 1);
    }

    for (std::string_view c : candidates)
        if (allowed_.find(c) != allowed_.end()) return false;
    for (std::string_view c : candidates)
        if (blocked_.find(c) != blocked_.end()) return true;
    return false;
}

size_t DisposableDomains::size() const { return blocked_.size(); }

/// Privacy relays: each address forwards to the person's real inbox and lives as long as they want it, which is
/// what we ask of an address. The upstream list leaves them out today (see its allowlist.conf); naming them here keeps
/// them allowed if one ever slips in.
const std::vector<std::string_view>& DisposableDomains::builtInAllow() {
    static const std::vector<std::string_view> relays = {
        "duck.com",                  // DuckDuckGo Email Protection
        "mozmail.com",               // Firefox Relay (also name.mozmail.com)
        "relay.firefox.com",         // Firefox Relay, older addresses
        "privaterelay.appleid.com",  // Sign in with Apple
        "simplelogin.com",           // SimpleLogin (Proton)
        "simplelogin.co",
        "simplelogin.fr",
        "slmail.me",
        "aleeas.com",
        "8alias.com",
        "8shield.net",
        "dralias.com",
        "silomails.com",
        "passmail.net",  // Proton Pass aliases
        "passmail.com",
        "passinbox.com",
        "passfwd.com",
        "anonaddy.com",  // addy.io (formerly AnonAddy; also name.anonaddy.com)
        "anonaddy.me",
        "addy.io",
        "sneakemail.com",  // Sneakemail
        "snkmail.com",
    };
    return relays;
}

}  // namespace rsolv::domain
