#pragma once

#include <string>

namespace rsolv::domain {

/// .github/workflow/rsolv.yml for a customer's repository. It names the key only as ${{ secrets.RSOLV_API_KEY }}, runs
/// weekly and on demand, and asks for no more than it needs: to push a fix branch and open a pull request.
/// `action` is RSOLV_GITHUB_ACTION (owner/repo@ref, checked at start-up); `api_url` the public URL.
std::string githubWorkflow(const std::string& action, const std::string& api_url);

}  // namespace rsolv::domain
