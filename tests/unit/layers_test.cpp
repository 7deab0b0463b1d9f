// ARCHITECTURE.md's layers, read from the sources: each directory of src/ includes only the layers below it (the
// domain never includes jobs, mail or http; common includes nothing of ours but itself). app/ and main.cpp compose
// everything.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <string>

namespace rsolv {
namespace {

const std::map<std::string, std::set<std::string>> kMayInclude{
    {"common", {"common"}},
    {"storage", {"common", "storage"}},
    {"domain", {"common", "storage", "domain"}},
    {"mail", {"common", "mail"}},
    {"metrics", {"common", "storage", "metrics"}},
    {"jobs", {"common", "storage", "domain", "mail", "jobs"}},
    {"http", {"common", "storage", "domain", "http"}},
};

TEST(Layers, EachLayerIncludesOnlyTheLayersBelowIt) {
    const std::filesystem::path src = std::filesystem::path(RSOLV_SOURCE_DIR) / "src";
    const std::regex include_line(R"re(^\s*#\s*include\s+"([a-z_]+)/)re");
    int checked = 0;
    for (const auto& [layer, allowed] : kMayInclude) {
        for (const auto& entry : std::filesystem::recursive_directory_iterator(src / layer)) {
            if (!entry.is_regular_file()) continue;
            std::ifstream in(entry.path());
            int line_no = 0;
            for (std::string line; std::getline(in, line);) {
                ++line_no;
                std::smatch m;
                if (!std::regex_search(line, m, include_line) || !kMayInclude.count(m[1].str())) continue;
                ++checked;
                EXPECT_TRUE(allowed.count(m[1].str()))
                    << entry.path().lexically_relative(src).string() << ":" << line_no << " (" << layer
                    << ") includes " << m[1].str() << "/";
            }
        }
    }
    EXPECT_GT(checked, 500) << "the scan found too few includes to prove anything";
}

// Issue 11: handlers translate HTTP and call domain functions; the repositories are the domain's to use.
TEST(Layers, TheHttpLayerCallsNoRepository) {
    const std::filesystem::path http = std::filesystem::path(RSOLV_SOURCE_DIR) / "src" / "http";
    const std::regex repository(R"re(storage::[A-Za-z]+Repository\b)re");
    int files = 0;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(http)) {
        if (!entry.is_regular_file()) continue;
        ++files;
        std::ifstream in(entry.path());
        int line_no = 0;
        for (std::string line; std::getline(in, line);) {
            ++line_no;
            std::smatch m;
            EXPECT_FALSE(std::regex_search(line, m, repository))
                << entry.path().lexically_relative(http).string() << ":" << line_no << " uses " << m[0].str();
        }
    }
    EXPECT_GT(files, 30) << "the scan found too few files to prove anything";
}

}  // namespace
}  // namespace rsolv
