#!/usr/bin/python3
"""A small SMTP server for RSOLV's tests, built on Debian's python3-aiosmtpd.

Run it with /usr/bin/python3 (the python3 first on PATH may lack aiosmtpd):

    smtp_server.py --port 0|N --maildir DIR --control FILE [--auth USER:PASS] [--watch-stdin]

* Listens on 127.0.0.1:PORT (0 = any free port) and prints the bound port as the first line on stdout.
* Accepted messages go to the Maildir DIR (tmp/ new/ cur/ are created) exactly as received (CRLF, dots
  unstuffed); each stored key is also appended as one line to DIR/arrivals, so readers know the arrival order.
* Each EHLO appends a line to DIR/sessions, so a test can count the SMTP sessions clients opened.
* Before each RCPT and DATA it reads the JSON control FILE (missing or empty = no special behaviour):
      {"rcpt": ["451 4.3.0 Try again later"],      # replies for the next RCPTs, consumed one per RCPT
       "data": ["452 4.3.1 Out of storage"],       # replies for the next DATAs, consumed one per DATA
       "reject_rcpt_permanent": ["bad@example.com"],  # always "550 5.1.1 No such user"
       "data_delay_seconds": 5}                     # a slow server: waits this long before answering DATA
  then 250. A slow server whose client hung up during the wait stores nothing (it could not say it accepted). A consumed reply is removed from FILE (rewritten atomically), so a test can queue N failures.
* --auth USER:PASS offers AUTH PLAIN and LOGIN without TLS and requires it before MAIL.
* --watch-stdin exits when stdin reaches end of file, so the server dies with the test process that holds the pipe.
"""

import argparse
import asyncio
import json
import logging
import mailbox
import os
import signal
import sys
import threading
import warnings

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


def read_control(path):
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except FileNotFoundError:
        return {}
    return json.loads(text) if text.strip() else {}


def write_control(path, control):
    tmp = path + ".tmp-server"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(control, f)
    os.replace(tmp, path)


def next_reply(path, key):
    """Pops the first queued reply for `key` ("rcpt" or "data"), or None."""
    control = read_control(path)
    queue = control.get(key) or []
    if not queue:
        return None
    reply = queue.pop(0)
    control[key] = queue
    write_control(path, control)
    return reply


class Handler:
    def __init__(self, maildir, control):
        self.maildir_path = maildir
        self.maildir = mailbox.Maildir(maildir, create=True)
        self.control = control

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        # One line per EHLO in DIR/sessions: how many SMTP sessions clients opened.
        with open(os.path.join(self.maildir_path, "sessions"), "a", encoding="utf-8") as f:
            f.write(hostname + "\n")
        session.host_name = hostname
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        rejected = [a.lower() for a in read_control(self.control).get("reject_rcpt_permanent", [])]
        if address.lower() in rejected:
            return "550 5.1.1 No such user"
        reply = next_reply(self.control, "rcpt")
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        delay = float(read_control(self.control).get("data_delay_seconds") or 0)
        if delay > 0:
            await asyncio.sleep(delay)
            if server.transport is None or server.transport.is_closing():
                return "421 4.4.2 Client gone"
        reply = next_reply(self.control, "data")
        if reply:
            return reply
        key = self.maildir.add(envelope.original_content)
        with open(os.path.join(self.maildir_path, "arrivals"), "a", encoding="utf-8") as f:
            f.write(key + "\n")
        return "250 2.0.0 OK: queued as " + key


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--maildir", required=True)
    parser.add_argument("--control", required=True)
    parser.add_argument("--auth", default="")
    parser.add_argument("--watch-stdin", action="store_true")
    args = parser.parse_args()
    # Quiet in test output: aiosmtpd warns about AUTH without TLS and logs every odd line it receives.
    warnings.simplefilter("ignore")
    logging.getLogger("mail.log").setLevel(logging.CRITICAL)

    handler = Handler(args.maildir, args.control)
    options = {}
    if args.auth:
        user, _, password = args.auth.partition(":")

        def authenticator(server, session, envelope, mechanism, auth_data):
            ok = (isinstance(auth_data, LoginPassword) and auth_data.login.decode() == user
                  and auth_data.password.decode() == password)
            return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd sends the 535 itself

        options = {"authenticator": authenticator, "auth_require_tls": False, "auth_required": True}

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    server = loop.run_until_complete(
        loop.create_server(lambda: SMTP(handler, hostname="rsolv-test", **options), "127.0.0.1", args.port))
    print(server.sockets[0].getsockname()[1], flush=True)
    sys.stdout = open(os.devnull, "w")  # the reader may close the pipe after the port

    loop.add_signal_handler(signal.SIGTERM, loop.stop)
    if args.watch_stdin:
        def watch():
            sys.stdin.buffer.read()
            loop.call_soon_threadsafe(loop.stop)
        threading.Thread(target=watch, daemon=True).start()
    try:
        loop.run_forever()
    finally:
        server.close()
        # Every accepted message is already on disk. Skip interpreter shutdown: it can abort while the stdin
        # watcher thread holds its lock.
        os._exit(0)


if __name__ == "__main__":
    main()
