#include "app/admin_cli.h"

#include <CLI/CLI.hpp>
#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <functional>
#include <sstream>
#include <nlohmann/json.hpp>

#include "app/cli_parse.h"
#include "app/app.h"
#include "domain/admin/audit.h"
#include "domain/admin/customers.h"
#include "domain/admin/jobs.h"
#include "domain/admin/operators.h"
#include "domain/admin/overrides.h"
#include "domain/admin/provision.h"
#include "domain/admin/signups.h"
#include "storage/database.h"

namespace rsolv::app {
namespace {

namespace admin = domain::admin;
using json = nlohmann::json;

/// Prints a result as text or JSON; 0 when it succeeded, 1 when refused.
struct Printer {
    bool as_json = false;
    std::ostream& out;
    std::ostream& err;

    int ok(const std::string& message, json data = json::object()) const {
        if (as_json) {
            data["ok"] = true;
            data["message"] = message;
            out << data.dump() << "\n";
        } else {
            out << message << "\n";
        }
        return 0;
    }
    int refused(const Error& e) const {
        if (as_json) out << json{{"ok", false}, {"error", e.code}, {"message", e.message}}.dump() << "\n";
        err << "rsolv: " << e.message << "\n";
        return 1;
    }
};

std::string timeText(Timestamp t) { return storage::formatTimestamp(t); }

json customerJson(const storage::CustomerRecord& c) {
    return {{"id", c.id},
            {"email", c.email},
            {"name", c.name},
            {"company", c.company.value_or("")},
            {"status", c.status},
            {"trial_fixes_used", c.trial_fixes_used},
            {"trial_fixes_limit", c.trial_fixes_limit},
            {"created_at", timeText(c.created_at)}};
}

json auditJson(const storage::AuditEntry& e) {
    return {{"id", e.id},
            {"at", timeText(e.at)},
            {"actor", e.actor},
            {"ip", e.ip},
            {"action", e.action},
            {"target", e.target_type + ":" + e.target_id},
            {"customer_id", e.customer_id ? json(*e.customer_id) : json(nullptr)},
            {"reason", e.reason},
            {"before", json::parse(e.before_json, nullptr, false)},
            {"after", json::parse(e.after_json, nullptr, false)}};
}

using Override = std::function<Result<std::string>(storage::Transaction&, std::int64_t customer_id)>;

/// Finds the customer by email and runs one override in one transaction (the change and its audit row).
int onCustomer(storage::Database& db, const Printer& p, const std::string& email, const Override& change) {
    const auto result = storage::inTransaction(db, storage::TxMode::Write, [&](storage::Transaction& tx) -> Result<std::string> {
        const auto customer = admin::customerByEmail(tx, email);
        if (!customer) return Error{"not_found", "email", "no customer has the email " + email};
        return change(tx, customer->id);
    });
    if (!result.ok()) return p.refused(result.error());
    return p.ok(result.value());
}

}  // namespace

std::string cliActor() {
    if (const passwd* pw = getpwuid(geteuid()); pw && pw->pw_name) return std::string("cli:") + pw->pw_name;
    return "cli:uid" + std::to_string(geteuid());
}

int runAdminCommand(const std::vector<std::string>& args, const Config& config, const Clock& clock,
                    const std::string& actor_name, std::ostream& out, std::ostream& err) {
    CLI::App cli{"Operator actions: rsolv admin <command>", "rsolv admin"};
    cli.require_subcommand(1);
    bool as_json = false;
    cli.add_flag("--json", as_json, "Print one JSON object");
    std::string email, role = "viewer", reason, query, status, key_id, since, customer_email;
    int credits = 0;
    auto reasonOpt = [&](CLI::App* c, bool required = true) {
        auto* o = c->add_option("--reason", reason, "Why (goes into the audit log)");
        if (required) o->required();
        c->add_flag("--json", as_json, "Print one JSON object");
    };
    auto emailArg = [&](CLI::App* c) { c->add_option("email", email, "The customer's email")->required(); };

    auto* operators = cli.add_subcommand("operators", "Operators of the console");
    operators->require_subcommand(1);
    auto* op_add = operators->add_subcommand("add", "Add an operator (the first one too)");
    op_add->add_option("email", email, "The operator's email")->required();
    op_add->add_option("--role", role, "admin or viewer")->required();
    reasonOpt(op_add, false);
    auto* op_list = operators->add_subcommand("list", "List operators");
    reasonOpt(op_list, false);

    auto* customers = cli.add_subcommand("customers", "Find customers");
    customers->require_subcommand(1);
    auto* c_list = customers->add_subcommand("list", "Search customers, newest first");
    c_list->add_option("--query", query, "Part of the email, name, company or key identifier");
    c_list->add_option("--status", status, "active or suspended");
    reasonOpt(c_list, false);
    auto* c_show = customers->add_subcommand("show", "One customer");
    emailArg(c_show);
    reasonOpt(c_show, false);

    auto* credits_cmd = cli.add_subcommand("credits", "Trial credits");
    credits_cmd->require_subcommand(1);
    auto* grant = credits_cmd->add_subcommand("grant", "Raise the trial limit by N");
    emailArg(grant);
    grant->add_option("credits", credits, "How many")->required();
    reasonOpt(grant);
    auto* reset = credits_cmd->add_subcommand("reset", "Reset trial usage to 0");
    emailArg(reset);
    reasonOpt(reset);

    auto* suspend = cli.add_subcommand("suspend", "Suspend a customer: its sessions end and its keys stop working");
    emailArg(suspend);
    reasonOpt(suspend);
    auto* reactivate = cli.add_subcommand("reactivate", "Reactivate a suspended customer");
    emailArg(reactivate);
    reasonOpt(reactivate);

    auto* sessions = cli.add_subcommand("sessions", "Customer sessions");
    sessions->require_subcommand(1);
    auto* end = sessions->add_subcommand("end", "End all of a customer's sessions");
    emailArg(end);
    reasonOpt(end);

    auto* keys = cli.add_subcommand("keys", "Customer API keys");
    keys->require_subcommand(1);
    auto* revoke = keys->add_subcommand("revoke", "Revoke a key by its identifier");
    emailArg(revoke);
    revoke->add_option("key", key_id, "The key identifier (rsolv_AbCd…WxYz)")->required();
    reasonOpt(revoke);

    auto* welcome = cli.add_subcommand("welcome", "The welcome email");
    welcome->require_subcommand(1);
    auto* resend = welcome->add_subcommand("resend", "Send the welcome email again");
    emailArg(resend);
    reasonOpt(resend);

    auto* link = cli.add_subcommand("sign-in-link", "Email the customer a sign-in link (you never see it)");
    emailArg(link);
    reasonOpt(link);

    auto* erase = cli.add_subcommand("erase", "Erase a customer's personal data for good (the email is the confirmation)");
    emailArg(erase);
    reasonOpt(erase);

    std::string state, kind;
    std::int64_t job_id = 0;
    auto* jobs = cli.add_subcommand("jobs", "The job queue");
    jobs->require_subcommand(1);
    auto* j_list = jobs->add_subcommand("list", "Jobs, newest first");
    j_list->add_option("--state", state, "available, running, retryable, dead, completed, cancelled");
    j_list->add_option("--kind", kind, "email.welcome, email.sign_in, ...");
    reasonOpt(j_list, false);
    auto* j_retry = jobs->add_subcommand("retry", "Run a dead, retryable or waiting job now");
    j_retry->add_option("id", job_id, "The job's id")->required();
    reasonOpt(j_retry);
    auto* j_discard = jobs->add_subcommand("discard", "Cancel a dead, retryable or waiting job");
    j_discard->add_option("id", job_id, "The job's id")->required();
    reasonOpt(j_discard);
    auto* j_retry_dead = jobs->add_subcommand("retry-dead", "Run every dead job of a kind again");
    j_retry_dead->add_option("kind", kind, "The kind")->required();
    reasonOpt(j_retry_dead);

    auto* verify = cli.add_subcommand("verify", "Mark a customer's email address verified");
    emailArg(verify);
    reasonOpt(verify);

    std::string name, company;
    auto* provision = cli.add_subcommand(
        "provision", "Provision a customer by hand: the welcome email goes out, nobody sees the key");
    emailArg(provision);
    provision->add_option("--name", name, "The customer's name")->required();
    provision->add_option("--company", company, "The company (optional)");
    reasonOpt(provision);

    std::string mode, invitee;
    auto* signup_mode = cli.add_subcommand("signup-mode", "Print the signup mode, or set it (open, invite, closed)");
    signup_mode->add_option("mode", mode, "open, invite or closed")->check(CLI::IsMember({"open", "invite", "closed"}));
    reasonOpt(signup_mode, false);
    auto* invite = cli.add_subcommand("invite", "Invite an address or a whole domain (invite mode)");
    invite->add_option("email_or_domain", invitee, "jane@example.com or example.com")->required();
    reasonOpt(invite);
    auto* waitlist = cli.add_subcommand("waitlist", "The waitlist of invite and closed modes");
    waitlist->require_subcommand(1);
    auto* w_list = waitlist->add_subcommand("list", "Everyone on the waitlist, oldest first");
    reasonOpt(w_list, false);
    auto* w_approve = waitlist->add_subcommand("approve", "Approve an address: it is emailed a single-use invitation link");
    emailArg(w_approve);
    reasonOpt(w_approve);

    auto* audit = cli.add_subcommand("audit", "The audit log, newest first");
    audit->add_option("--customer", customer_email, "Only this customer's entries");
    audit->add_option("--since", since, "YYYY-MM-DD");
    reasonOpt(audit, false);

    if (const auto status = parseCommandLine(cli, args, out, err)) return *status;

    const Printer p{as_json, out, err};
    const auto db = openAndMigrate(config);
    const Timestamp now = clock.now();
    const admin::Actor actor{actor_name, ""};

    if (op_add->parsed()) {
        const auto id = storage::inTransaction(*db, storage::TxMode::Write, [&](storage::Transaction& tx) {
            return admin::addOperator(tx, email, role, actor, reason.empty() ? "added from the command line" : reason,
                                      now);
        });
        if (!id.ok()) return p.refused(id.error());
        return p.ok("operator " + email + " added as " + role, {{"id", id.value()}});
    }
    if (op_list->parsed()) {
        const auto ops = storage::inTransaction(*db, storage::TxMode::Read,
                                                [&](storage::Transaction& tx) { return admin::listOperators(tx); });
        json list = json::array();
        std::string text;
        for (const auto& op : ops) {
            list.push_back({{"id", op.id}, {"email", op.email}, {"role", op.role}, {"disabled", op.disabled_at.has_value()}});
            text += op.email + " " + op.role + (op.disabled_at ? " disabled" : "") + "\n";
        }
        return p.ok(text.empty() ? "no operators" : text.substr(0, text.size() - 1), {{"operators", list}});
    }
    if (c_list->parsed()) {
        storage::CustomerSearch s;
        s.query = query;
        s.status = status;
        s.limit = 100;
        const auto page = storage::inTransaction(*db, storage::TxMode::Read,
                                                 [&](storage::Transaction& tx) { return admin::searchCustomers(tx, s); });
        json list = json::array();
        std::string text;
        for (const auto& c : page.customers) {
            list.push_back({{"id", c.id}, {"email", c.email}, {"name", c.name}, {"status", c.status},
                            {"trial_fixes_used", c.trial_fixes_used}, {"trial_fixes_limit", c.trial_fixes_limit}});
            text += std::to_string(c.id) + " " + c.email + " " + c.status + " " + std::to_string(c.trial_fixes_used) +
                    "/" + std::to_string(c.trial_fixes_limit) + "\n";
        }
        return p.ok(text.empty() ? "no customer matches" : text.substr(0, text.size() - 1), {{"customers", list}});
    }
    if (c_show->parsed()) {
        const auto c = storage::inTransaction(*db, storage::TxMode::Read,
                                              [&](storage::Transaction& tx) { return admin::customerByEmail(tx, email); });
        if (!c) return p.refused({"not_found", "email", "no customer has the email " + email});
        const auto j = customerJson(*c);
        return p.ok(j.dump(2), {{"customer", j}});
    }
    if (audit->parsed()) {
        storage::AuditFilter f;
        f.limit = 500;
        if (!since.empty()) {
            try {
                f.since = storage::parseTimestamp(since + "T00:00:00.000000Z");
            } catch (const std::exception&) {
                return p.refused({"invalid_date", "since", "--since takes a date as YYYY-MM-DD"});
            }
        }
        const auto entries = storage::inTransaction(*db, storage::TxMode::Read, [&](storage::Transaction& tx) {
            if (!customer_email.empty()) {
                const auto c = admin::customerByEmail(tx, customer_email);
                f.customer_id = c ? c->id : -1;
            }
            return admin::listAudit(tx, f);
        });
        json list = json::array();
        std::string text;
        for (const auto& e : entries) {
            list.push_back(auditJson(e));
            text += timeText(e.at) + " " + e.actor + " " + e.action + " " + e.target_type + ":" + e.target_id +
                    " reason=\"" + e.reason + "\"\n";
        }
        return p.ok(text.empty() ? "no audit entries" : text.substr(0, text.size() - 1), {{"entries", list}});
    }

    if (signup_mode->parsed() && mode.empty()) {
        const auto current = storage::inTransaction(*db, storage::TxMode::Read, [&](storage::Transaction& tx) {
            return admin::signupsOverview(tx, 0).mode;
        });
        const std::string text(domain::toString(current));
        return p.ok(text, {{"mode", text}});
    }
    if (w_list->parsed()) {
        const auto overview = storage::inTransaction(*db, storage::TxMode::Read,
                                                     [&](storage::Transaction& tx) { return admin::signupsOverview(tx, 100000); });
        json rows = json::array();
        std::string text;
        for (const auto& w : overview.waitlist) {
            rows.push_back({{"id", w.id}, {"email", w.email}, {"name", w.name}, {"company", w.company},
                            {"joined_at", timeText(w.created_at)},
                            {"approved_at", w.approved_at ? json(timeText(*w.approved_at)) : json(nullptr)}});
            text += w.email + " " + timeText(w.created_at) + (w.approved_at ? " approved" : " waiting") + "\n";
        }
        return p.ok(text.empty() ? "nobody is waiting" : text.substr(0, text.size() - 1), {{"waitlist", rows}});
    }
    if (provision->parsed()) {
        const auto app = std::make_unique<App>(config, clock);
        const auto made = admin::provisionByHand(app->provisioning(), email, name, company, actor, reason);
        if (!made.ok()) return p.refused(made.error());
        return p.ok(made.value().message, {{"customer_id", made.value().customer_id}});
    }
    const std::vector<std::pair<CLI::App*, std::function<Result<std::string>(storage::Transaction&)>>> signup_changes{
        {signup_mode, [&](storage::Transaction& tx) { return admin::setSignupMode(tx, mode, actor, reason, now); }},
        {invite, [&](storage::Transaction& tx) { return admin::invite(tx, invitee, actor, reason, now); }},
        {w_approve, [&](storage::Transaction& tx) -> Result<std::string> {
             const auto id = admin::waitlistIdByEmail(tx, email);
             if (!id.ok()) return id.error();
             return admin::approveWaitlistEntry(tx, id.value(), actor, reason, now,
                                                loadSecretKey(config).subkey("job-payload-encryption"));
         }},
    };
    for (const auto& [cmd, change] : signup_changes) {
        if (!cmd->parsed()) continue;
        const auto result = storage::inTransaction(*db, storage::TxMode::Write, change);
        return result.ok() ? p.ok(result.value()) : p.refused(result.error());
    }

    if (j_list->parsed()) {
        const auto list = storage::inTransaction(*db, storage::TxMode::Read, [&](storage::Transaction& tx) {
            return admin::listJobs(tx, state, kind, 0, 200);
        });
        json rows = json::array();
        std::string text;
        for (const auto& j : list) {
            rows.push_back({{"id", j.id}, {"kind", j.kind}, {"state", j.state}, {"attempts", j.attempts},
                            {"max_attempts", j.max_attempts}, {"last_error", j.last_error},
                            {"run_at", timeText(j.run_at)}});
            text += std::to_string(j.id) + " " + j.kind + " " + j.state + " " + std::to_string(j.attempts) + "/" +
                    std::to_string(j.max_attempts) + (j.last_error.empty() ? "" : " " + j.last_error) + "\n";
        }
        return p.ok(text.empty() ? "no jobs" : text.substr(0, text.size() - 1), {{"jobs", rows}});
    }
    const std::vector<std::pair<CLI::App*, std::function<Result<std::string>(storage::Transaction&)>>> job_changes{
        {j_retry, [&](storage::Transaction& tx) { return admin::retryJob(tx, job_id, actor, reason, now); }},
        {j_discard, [&](storage::Transaction& tx) { return admin::discardJob(tx, job_id, actor, reason, now); }},
        {j_retry_dead, [&](storage::Transaction& tx) { return admin::retryDeadJobs(tx, kind, actor, reason, now); }},
    };
    for (const auto& [cmd, change] : job_changes) {
        if (!cmd->parsed()) continue;
        const auto result = storage::inTransaction(*db, storage::TxMode::Write, change);
        return result.ok() ? p.ok(result.value()) : p.refused(result.error());
    }

    const std::vector<std::pair<CLI::App*, Override>> changes{
        {grant, [&](storage::Transaction& tx, std::int64_t id) { return admin::grantCredits(tx, id, credits, actor, reason, now); }},
        {reset, [&](storage::Transaction& tx, std::int64_t id) { return admin::resetUsage(tx, id, actor, reason, now); }},
        {suspend, [&](storage::Transaction& tx, std::int64_t id) { return admin::changeStatus(tx, id, "suspended", actor, reason, now); }},
        {reactivate, [&](storage::Transaction& tx, std::int64_t id) { return admin::changeStatus(tx, id, "active", actor, reason, now); }},
        {end, [&](storage::Transaction& tx, std::int64_t id) { return admin::endAllSessions(tx, id, actor, reason, now); }},
        {resend, [&](storage::Transaction& tx, std::int64_t id) { return admin::resendWelcomeEmail(tx, id, actor, reason, now); }},
        {link, [&](storage::Transaction& tx, std::int64_t id) { return admin::sendSignInLink(tx, id, actor, reason, now); }},
        {erase, [&](storage::Transaction& tx, std::int64_t id) { return admin::eraseCustomer(tx, id, email, actor, reason, now); }},
        {verify, [&](storage::Transaction& tx, std::int64_t id) { return admin::markEmailVerified(tx, id, actor, reason, now); }},
        {revoke, [&](storage::Transaction& tx, std::int64_t id) -> Result<std::string> {
             const auto key = admin::keyIdByIdentifier(tx, id, key_id);
             if (!key.ok()) return key.error();
             return admin::revokeCustomerKey(tx, id, key.value(), actor, reason, now);
         }},
    };
    for (const auto& [cmd, change] : changes)
        if (cmd->parsed()) return onCustomer(*db, p, email, change);
    err << "rsolv: nothing to do\n";
    return 2;
}

}  // namespace rsolv::app
