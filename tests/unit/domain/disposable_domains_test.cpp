#include "domain/disposable_domains.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>

#include "domain/email_address.h"

namespace rsolv::domain {
namespace {

std::string readRealList() {
    const std::string path = std::string(RSOLV_SOURCE_DIR) + "/data/disposable_email_blocklist.json";
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + path);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// The real list is large: parse it once for the whole suite, as the service does at start-up.
const DisposableDomains& realList() {
    static const DisposableDomains domains(readRealList());
    return domains;
}

/// A file in the temporary directory, removed when the test ends.
class TempFile {
public:
    explicit TempFile(const std::string& content) {
        path_ = (std::filesystem::temp_directory_path() /
                 ("rsolv-domains-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++) + ".txt"))
                    .string();
        std::ofstream(path_) << content;
    }
    ~TempFile() { std::remove(path_.c_str()); }
    const std::string& path() const { return path_; }

private:
    static inline int counter_ = 0;
    std::string path_;
};

TEST(DisposableDomains, RealListLoads) { EXPECT_GT(realList().size(), 1000u); }

TEST(DisposableDomains, BlocksListedDomainsAndTheirSubdomains) {
    EXPECT_TRUE(realList().isDisposable("mailinator.com"));
    EXPECT_TRUE(realList().isDisposable("sub.mailinator.com"));
    EXPECT_TRUE(realList().isDisposable("deep.sub.mailinator.com"));
    EXPECT_TRUE(realList().isDisposable("guerrillamail.com"));
}

TEST(DisposableDomains, LookupIgnoresCaseAndTrailingDot) {
    EXPECT_TRUE(realList().isDisposable("MAILINATOR.COM"));
    EXPECT_TRUE(realList().isDisposable("mailinator.com."));
}

TEST(DisposableDomains, ParentsStopAtTheRegistrableDomain) {
    // Only "mailinator.com" is listed; "mailinator.com.example.org" has nothing to do with it.
    EXPECT_FALSE(realList().isDisposable("mailinator.com.example.org"));
    EXPECT_FALSE(realList().isDisposable("rsolv-mailinator.com"));  // "notmailinator.com" is itself listed
}

TEST(DisposableDomains, RealProvidersAreNotDisposable) {
    for (const char* domain : {"gmail.com", "googlemail.com", "outlook.com", "yahoo.com", "icloud.com", "proton.me",
                               "example.co.uk", "xn--mnchen-3ya.de"})
        EXPECT_FALSE(realList().isDisposable(domain)) << domain;
}

TEST(DisposableDomains, PrivacyRelaysAreNeverDisposable) {
    for (std::string_view relay : DisposableDomains::builtInAllow())
        EXPECT_FALSE(realList().isDisposable(relay)) << relay;
    EXPECT_FALSE(realList().isDisposable("duck.com"));
    EXPECT_FALSE(realList().isDisposable("mozmail.com"));
    EXPECT_FALSE(realList().isDisposable("name.mozmail.com"));
    EXPECT_FALSE(realList().isDisposable("privaterelay.appleid.com"));

    // Even when a list names them.
    const DisposableDomains listing_relays(R"(["duck.com", "mozmail.com", "privaterelay.appleid.com"])");
    EXPECT_FALSE(listing_relays.isDisposable("duck.com"));
    EXPECT_FALSE(listing_relays.isDisposable("mozmail.com"));
    EXPECT_FALSE(listing_relays.isDisposable("privaterelay.appleid.com"));
}

TEST(DisposableDomains, LocalAllowWinsOverListAndLocalBlock) {
    const DisposableDomains domains(R"(["mailinator.com", "trashmail.com"])", {"Mailinator.com", "both.example"},
                                    {"both.example"});
    EXPECT_FALSE(domains.isDisposable("mailinator.com"));
    EXPECT_FALSE(domains.isDisposable("sub.mailinator.com"));
    EXPECT_FALSE(domains.isDisposable("both.example"));
    EXPECT_TRUE(domains.isDisposable("trashmail.com"));
}

TEST(DisposableDomains, LocalBlockAddsToTheList) {
    const DisposableDomains domains(R"(["mailinator.com"])", {}, {"throwaway.example.com", "burner.co.uk"});
    EXPECT_TRUE(domains.isDisposable("throwaway.example.com"));
    EXPECT_TRUE(domains.isDisposable("x.burner.co.uk"));
    EXPECT_FALSE(domains.isDisposable("example.com"));
    EXPECT_FALSE(domains.isDisposable("co.uk"));
    EXPECT_EQ(domains.size(), 3u);
}

TEST(DisposableDomains, WorksWithWhatParseEmailGives) {
    const DisposableDomains domains(R"(["xn--mnchen-3ya.de"])", {}, {"bücher.de"});
    const auto muenchen = parseEmail("a@Sub.München.de");
    const auto buecher = parseEmail("a@bücher.de");
    ASSERT_TRUE(muenchen.ok());
    ASSERT_TRUE(buecher.ok());
    EXPECT_TRUE(domains.isDisposable(muenchen.value().domain));
    EXPECT_TRUE(domains.isDisposable(buecher.value().domain));
}

TEST(DisposableDomains, RejectsABrokenList) {
    EXPECT_THROW(DisposableDomains("not json"), std::runtime_error);
    EXPECT_THROW(DisposableDomains(R"({"mailinator.com": true})"), std::runtime_error);
    EXPECT_THROW(DisposableDomains(R"(["mailinator.com", 42])"), std::runtime_error);
    EXPECT_THROW(DisposableDomains(R"(["user@mailinator.com"])"), std::runtime_error);
    EXPECT_THROW(DisposableDomains("[]", {""}), std::runtime_error);
}

TEST(DisposableDomains, ReadDomainFileSkipsCommentsAndBlankLines) {
    const TempFile file(
        "# domains we allow after support tickets\n"
        "\n"
        "  Example.org  \n"
        "tempmail.example.net # added 2024-05\r\n"
        "   # indented comment\n"
        "\t\n"
        "last.example");
    const auto domains = DisposableDomains::readDomainFile(file.path());
    EXPECT_EQ(domains, (std::vector<std::string>{"Example.org", "tempmail.example.net", "last.example"}));

    const DisposableDomains blocking("[]", {}, domains);
    EXPECT_TRUE(blocking.isDisposable("example.org"));
    EXPECT_TRUE(blocking.isDisposable("tempmail.example.net"));
}

TEST(DisposableDomains, ReadDomainFileNamesTheFileItCannotRead) {
    const std::string missing = "/nonexistent/rsolv/allow-domains.txt";
    try {
        DisposableDomains::readDomainFile(missing);
        FAIL() << "expected an exception";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find(missing), std::string::npos) << e.what();
    }
    const std::string directory = std::filesystem::temp_directory_path().string();
    try {
        DisposableDomains::readDomainFile(directory);
        FAIL() << "expected an exception";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find(directory), std::string::npos) << e.what();
    }
}

}  // namespace
}  // namespace rsolv::domain
