#pragma once

#include <string>

namespace rsolv::domain {

/// .github/workflow/rsolv.yml for a customer's repository. It names the key only as ${{ secrets.RSOLV_API_KEY }}, runs
/// weekly and on demand, and asks for no more than it needs: to push a fix branch and open a pull request.
/// `action` is RSOLV_GITHUB_ACTION (owner/repo@ref, checked at start-up); `api_url` the public URL.
std::string githubWorkflow(const std::string& action, const std::string& api_url);

/// "owner/name" as GitHub allows it (owner: letters, digits, hyphens, at most 39; name: letters, digits, '.', '_',
/// '-', at most 100, not "." or ".."), after trimming spaces and a leading "https://github.com/"; empty if it is not.
std::string normalizeGitHubRepository(std::string text);

}  // namespace rsolv::domain
