// The shipped configuration file and the README name every variable the service reads, so an operator who
// installs the package can see and set each one.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>

namespace {

std::string readSourceFile(const std::string& relative) {
    std::ifstream in(std::string(RSOLV_SOURCE_DIR) + "/" + relative);
    EXPECT_TRUE(in) << relative << " is missing";
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

/// Every "RSOLV_NAME" string literal in the configuration loader.
std::set<std::string> variablesReadByTheService() {
    const std::string source = readSourceFile("src/app/config.cpp");
    const std::regex literal("\"(RSOLV_[A-Z0-9_]+)\"");
    std::set<std::string> names;
    for (auto it = std::sregex_iterator(source.begin(), source.end(), literal); it != std::sregex_iterator(); ++it)
        names.insert((*it)[1].str());
    return names;
}

TEST(DeploymentFiles, TheServiceReadsVariablesAtAll) { EXPECT_GT(variablesReadByTheService().size(), 30u); }

TEST(DeploymentFiles, ThePackagedEnvironmentFileListsEveryVariable) {
    const std::string env = readSourceFile("deploy/rsolv.env");
    for (const auto& name : variablesReadByTheService()) {
        const std::regex line("(^|\\n)#?" + name + "=");
        EXPECT_TRUE(std::regex_search(env, line)) << "deploy/rsolv.env does not mention " << name;
    }
}

TEST(DeploymentFiles, TheReadmeDocumentsEveryVariable) {
    const std::string readme = readSourceFile("README.md");
    for (const auto& name : variablesReadByTheService())
        EXPECT_NE(readme.find("`" + name + "`"), std::string::npos) << "README.md does not document " << name;
}

TEST(DeploymentFiles, ThePackagedEnvironmentFileSetsNoSecret) {
    const std::string env = readSourceFile("deploy/rsolv.env");
    EXPECT_FALSE(std::regex_search(env, std::regex("(^|\\n)RSOLV_SECRET_KEY=")));
    EXPECT_FALSE(std::regex_search(env, std::regex("(^|\\n)RSOLV_SMTP_PASSWORD=.")));
}

}  // namespace
