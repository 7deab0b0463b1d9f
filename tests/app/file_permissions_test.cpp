// The files a default install keeps on disk (issue 9, item 9): the SQLite database, its WAL and shared-memory files
// and the generated secret key live in var/, which only the service's user may enter, whatever the umask.
// SQLite only: PostgreSQL keeps its files under its own cluster's permissions.

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

#include "app/app.h"
#include "common/crypto.h"
#include "support/test_app.h"

namespace rsolv::test {
namespace {

namespace fs = std::filesystem;

unsigned modeOf(const fs::path& p) {
    struct stat st {};
    if (::stat(p.c_str(), &st) != 0) return 0;
    return unsigned(st.st_mode & 07777);
}

/// Sets the process umask for a scope.
struct UmaskScope {
    explicit UmaskScope(mode_t mask) : old(::umask(mask)) {}
    ~UmaskScope() { ::umask(old); }
    mode_t old;
};

TEST(FilePermissions, VarDirIs0700AndTheDatabaseWithItsWalAndShmAre0600EvenUnderAnOpenUmask) {
    crypto::init();
    const fs::path root = fs::temp_directory_path() / ("rsolv-perms-" + crypto::hex(crypto::randomBytes(6)));
    fs::create_directories(root);
    const fs::path var = root / "var";
    {
        UmaskScope open_umask(0);
        app::Config config;
        config.var_dir = var.string();  // the default layout: var/secret_key and var/rsolv.db
        config.database_url = "sqlite:" + (var / "rsolv.db").string();
        config.listen_host = "127.0.0.1";
        config.listen_port = 0;
        config.public_url = "http://rsolv.test";
        config.mail_url = "file:" + (root / "mail").string();
        ManualClock clock(testEpoch());
        app::App app(config, clock);
        // A committed write, so SQLite has made its -wal and -shm files.
        storage::inTransaction(app.database(), storage::TxMode::Write, [](storage::Transaction& tx) {
            tx.execScript("CREATE TABLE permission_probe (x INTEGER); INSERT INTO permission_probe VALUES (1);");
        });

        EXPECT_EQ(modeOf(var), 0700u) << var;
        EXPECT_EQ(modeOf(var / "secret_key"), 0600u);
        EXPECT_EQ(modeOf(var / "rsolv.db"), 0600u);
        ASSERT_TRUE(fs::exists(var / "rsolv.db-wal"));
        ASSERT_TRUE(fs::exists(var / "rsolv.db-shm"));
        EXPECT_EQ(modeOf(var / "rsolv.db-wal"), 0600u);
        EXPECT_EQ(modeOf(var / "rsolv.db-shm"), 0600u);
    }
    std::error_code ec;
    fs::remove_all(root, ec);
}

TEST(FilePermissions, ADatabaseInItsOwnNewDirectoryMakesThatDirectory0700) {
    crypto::init();
    const fs::path root = fs::temp_directory_path() / ("rsolv-perms-" + crypto::hex(crypto::randomBytes(6)));
    fs::create_directories(root);
    {
        UmaskScope open_umask(0);
        auto db = storage::openDatabase({"sqlite:" + (root / "state" / "rsolv.db").string(), 2, 5000});
        EXPECT_EQ(modeOf(root / "state"), 0700u);
        EXPECT_EQ(modeOf(root / "state" / "rsolv.db"), 0600u);
    }
    std::error_code ec;
    fs::remove_all(root, ec);
}

}  // namespace
}  // namespace rsolv::test
