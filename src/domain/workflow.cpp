#include "domain/workflow.h"

#include <regex>

namespace rsolv::domain {

std::string githubWorkflow(const std::string& action, const std::string& api_url) {
    return "# RSOLV: finds security vulnerabilities in this repository and opens pull requests that fix them.\n"
           "# Before the first run, add your RSOLV API key as a repository secret named RSOLV_API_KEY:\n"
           "#   Settings > Secrets and variables > Actions > New repository secret\n"
           "name: RSOLV security fixes\n"
           "\n"
           "on:\n"
           "  schedule:\n"
           "    - cron: \"23 4 * * 1\"  # Mondays at 04:23 UTC\n"
           "  workflow_dispatch:\n"
           "\n"
           "# Only what a fix needs: push a branch and open a pull request.\n"
           "permissions:\n"
           "  contents: write\n"
           "  pull-requests: write\n"
           "\n"
           "concurrency:\n"
           "  group: rsolv\n"
           "  cancel-in-progress: false\n"
           "\n"
           "jobs:\n"
           "  fix:\n"
           "    name: Find and fix vulnerabilities\n"
           "    runs-on: ubuntu-latest\n"
           "    timeout-minutes: 60\n"
           "    steps:\n"
           "      - name: Check out the repository\n"
           "        uses: actions/checkout@v4\n"
           "      - name: Run RSOLV\n"
           "        uses: " + action + "\n"
           "        with:\n"
           "          api_key: ${{ secrets.RSOLV_API_KEY }}\n"
           "          api_url: " + api_url + "\n";
}

std::string normalizeGitHubRepository(std::string text) {
    const auto first = text.find_first_not_of(" \t");
    const auto last = text.find_last_not_of(" \t/");
    if (first == std::string::npos) return {};
    text = text.substr(first, last - first + 1);
    for (const char* prefix : {"https://github.com/", "http://github.com/", "github.com/"})
        if (text.rfind(prefix, 0) == 0) text = text.substr(std::string(prefix).size());
    if (text.size() > 4 && text.compare(text.size() - 4, 4, ".git") == 0) text.resize(text.size() - 4);
    static const std::regex shape("[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}");
    if (!std::regex_match(text, shape)) return {};
    const std::string name = text.substr(text.find('/') + 1);
    if (name == "." || name == "..") return {};
    return text;
}

}  // namespace rsolv::domain
