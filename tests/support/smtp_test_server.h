#pragma once
// A real SMTP server for mail tests: tests/support/smtp_server.py (aiosmtpd, run by /usr/bin/python3) as a child
// process on a free loopback port, storing what it accepts in a Maildir under a fresh temporary directory.
//
//   rsolv::test::SmtpTestServer smtp;           // started; smtp.port() is where it listens
//   smtp.failNext(1, "451 4.3.0 Try again later"); // the next RCPT gets that reply, later ones 250
//   smtp.rejectRecipient("bad@example.com");     // every RCPT for it gets "550 5.1.1 No such user"
//   smtp.stop(); smtp.start();                   // down, then up again on the same port
//   smtp.messages();                             // raw texts of accepted messages, in arrival order
//
// The destructor stops the server and removes the directory. The child also exits when this process dies (it
// watches a pipe on its stdin), so a crashed test leaves no server behind.

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

namespace rsolv::test {

class SmtpTestServer {
public:
    /// Starts the server; throws std::runtime_error when it cannot (no /usr/bin/python3 or aiosmtpd...).
    SmtpTestServer();
    /// Same, with AUTH PLAIN/LOGIN required before MAIL: `user_colon_password` is "user:password".
    explicit SmtpTestServer(std::string user_colon_password);
    ~SmtpTestServer();
    SmtpTestServer(const SmtpTestServer&) = delete;
    SmtpTestServer& operator=(const SmtpTestServer&) = delete;

    unsigned short port() const;
    /// Raw texts (CRLF line ends, as received after DATA) of the accepted messages, in arrival order.
    std::vector<std::string> messages() const;
    /// SMTP sessions opened so far (EHLOs received).
    int sessions() const;
    /// The next `n` RCPT commands get `reply` (e.g. "451 4.3.0 Try again later") instead of 250.
    void failNext(int n, std::string reply);
    /// The next `n` DATA commands get `reply` instead of storing the message.
    void failNextData(int n, std::string reply);
    /// RCPT TO this address (case-insensitive) gets "550 5.1.1 No such user" from now on.
    void rejectRecipient(std::string address);
    /// Stops the server: connections to port() are refused until start().
    void stop();
    /// Starts it again on the same port (the first start picks a free one).
    void start();

private:
    void queueReplies(const char* key, int n, const std::string& reply);

    std::string auth_;
    std::filesystem::path dir_;
    unsigned short port_ = 0;
    pid_t pid_ = -1;
    int stdin_fd_ = -1;  ///< write end of the child's stdin: closing it tells the child to exit
};

}  // namespace rsolv::test
