#include "mail/file_mailer.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <stdexcept>
#include <system_error>
#include <utility>

#include "mail/message.h"

namespace rsolv::mail {
namespace {

namespace fs = std::filesystem;

/// "20250102T030405.123456Z": sorts in time order.
std::string utcStamp(std::chrono::system_clock::time_point t) {
    const auto micros =
        std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count() % 1000000;
    const std::time_t seconds = std::chrono::system_clock::to_time_t(t);
    std::tm tm{};
    gmtime_r(&seconds, &tm);
    char buf[48];
    std::snprintf(buf, sizeof buf, "%04d%02d%02dT%02d%02d%02d.%06dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                  tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(micros < 0 ? 0 : micros));
    return buf;
}

/// The Message-ID without <>, anything but [A-Za-z0-9._@-] as '_', at most 100 characters: a safe file name part.
std::string sanitisedId(const std::string& message_id) {
    std::string out;
    for (char c : message_id) {
        if (c == '<' || c == '>') continue;
        const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
                        c == '_' || c == '@' || c == '-';
        out += ok ? c : '_';
        if (out.size() == 100) break;
    }
    if (out.empty() || out.front() == '.') out.insert(out.begin(), '_');
    return out;
}

void writeAll(int fd, const std::string& data) {
    std::size_t done = 0;
    while (done < data.size()) {
        const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
        if (n < 0) {
            if (errno == EINTR) continue;
            throw std::system_error(errno, std::generic_category(), "write");
        }
        done += static_cast<std::size_t>(n);
    }
}

/// Temporary file in the same directory, fsync, rename over the final name.
void writeAtomically(const fs::path& dir, const std::string& name, const std::string& data) {
    static std::atomic<unsigned> counter{0};
    const fs::path final_path = dir / name;
    const fs::path temp_path =
        dir / ("." + name + "." + std::to_string(::getpid()) + "." + std::to_string(counter++) + ".tmp");
    const int fd = ::open(temp_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) throw std::system_error(errno, std::generic_category(), "open " + temp_path.string());
    try {
        writeAll(fd, data);
        if (::fsync(fd) != 0) throw std::system_error(errno, std::generic_category(), "fsync");
    } catch (...) {
        ::close(fd);
        ::unlink(temp_path.c_str());
        throw;
    }
    if (::close(fd) != 0) {
        const int err = errno;
        ::unlink(temp_path.c_str());
        throw std::system_error(err, std::generic_category(), "close");
    }
    std::error_code ec;
    fs::rename(temp_path, final_path, ec);
    if (ec) {
        ::unlink(temp_path.c_str());
        throw std::system_error(ec, "rename to " + final_path.string());
    }
}

}  // namespace

FileMailer::FileMailer(MailSettings settings) : settings_(std::move(settings)) {
    if (settings_.directory.empty()) throw std::invalid_argument("mail directory is empty");
    if (!isSafeAddress(settings_.from_address)) throw std::invalid_argument("mail from address is missing or invalid");
    if (!settings_.reply_to.empty() && !isSafeAddress(settings_.reply_to))
        throw std::invalid_argument("mail reply-to address is invalid");
}

std::string FileMailer::describe() const { return "file:" + settings_.directory; }

std::vector<SendResult> FileMailer::send(const std::vector<EmailMessage>& batch) {
    std::vector<SendResult> results;
    results.reserve(batch.size());
    const fs::path dir(settings_.directory);
    std::error_code ec;
    fs::create_directories(dir, ec);
    for (const EmailMessage& message : batch) {
        const auto now = std::chrono::system_clock::now();
        std::string text;
        try {
            text = renderMessage(settings_, message, now);
        } catch (const std::exception& e) {
            results.push_back({SendResult::Kind::Permanent, std::string("invalid message: ") + e.what()});
            continue;
        }
        const std::string name = utcStamp(now) + "-" + sanitisedId(message.message_id) + ".eml";
        try {
            if (ec) throw std::system_error(ec, "create " + dir.string());
            writeAtomically(dir, name, text);
            results.push_back({SendResult::Kind::Sent, "written to " + (dir / name).string()});
        } catch (const std::exception& e) {
            results.push_back({SendResult::Kind::Transient, e.what()});
        }
    }
    return results;
}

}  // namespace rsolv::mail
