#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

namespace rsolv::domain {

/// Which email domains hand out throwaway inboxes. Built once at start-up, then shared read-only by every thread.
class DisposableDomains {
public:
    /// `blocklist_json` is the project's JSON array of domains (data/disposable_email_blocklist.json). Local overrides:
    /// allow wins over everything, then local block, then the list. Throws std::runtime_error if the JSON is not an
    /// array of strings or an entry is not a domain name, so a broken list stops start-up instead of letting all through.
    DisposableDomains(std::string_view blocklist_json, std::vector<std::string> local_allow = {},
                      std::vector<std::string> local_block = {});

    /// Reads a local override file: one domain per line, '#' comments and blank lines ignored.
    /// Throws std::runtime_error naming the file if it cannot be read.
    static std::vector<std::string> readDomainFile(const std::string& path);

    /// True if `ascii_domain` or any parent of it up to (and including) its registrable domain is listed, so
    /// x@sub.mailinator.com is blocked. Privacy relays (builtInAllow) are never disposable: their addresses forward
    /// to a real, long-lived inbox. An allow entry covers its subdomains too (Firefox Relay hands out name.mozmail.com).
    bool isDisposable(std::string_view ascii_domain) const;

    /// How many distinct domains are blocked: the list plus local blocks.
    size_t size() const;

    /// The privacy relays that are always allowed.
    static const std::vector<std::string_view>& builtInAllow();

private:
    /// Lets the sets be searched with a string_view into the lowered domain, without a copy per parent.
    struct Hash {
        using is_transparent = void;
        size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
    };
    using DomainSet = std::unordered_set<std::string, Hash, std::equal_to<>>;

    DomainSet allowed_;
    DomainSet blocked_;
};

}  // namespace rsolv::domain
