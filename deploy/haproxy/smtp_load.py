#!/usr/bin/env python3
"""SMTP load client for the rolling-restart test: it records every message that got 250.

Each worker sends messages through the balancer, up to --per-session in one session (the first
--long-sessions workers keep their session as long as the server does, so a restart meets them), each
with a unique Message-ID (also in X-Load-Id). A message whose attempt fails with a 4xx reply, a connection
that is refused or closed, or a timeout is sent again, under a new id, in a new session: an attempt
that got no 250 may or may not have been stored (RFC 5321 §6.1 leaves that to the client), so only
ids that got 250 must be stored, each exactly once. A 5xx reply is a failure of the test and is
recorded, not retried. The run ends when --stop-file exists or after --max-seconds, whichever comes
first; it writes the accepted ids (one per line) and a JSON summary.
"""
import argparse
import json
import os
import smtplib
import socket
import threading
import time
import uuid

BODY = ("The quick brown fox jumps over the lazy dog. " * 2 + "\r\n") * 12  # about 1 KB


class Outcome:
    def __init__(self):
        self.lock = threading.Lock()
        self.accepted = []
        self.counts = {"attempts": 0, "accepted": 0, "retried_4xx": 0, "refused_or_closed": 0,
                       "timeouts": 0, "abandoned": 0, "sessions": 0}
        self.failures = []  # 5xx replies and other errors that are not retried

    def add(self, key, n=1):
        with self.lock:
            self.counts[key] += n


def message(msg_id):
    return ("From: load@example.com\r\nTo: rcpt@example.org\r\nMessage-ID: <%s>\r\nX-Load-Id: %s\r\n"
            "Subject: rolling restart %s\r\n\r\n%s" % (msg_id, msg_id, msg_id, BODY)).encode("ascii")


class Retry(Exception):
    """An attempt that may be repeated: 4xx, refused or closed connection, timeout."""


def check(outcome, stage, code, text):
    if 200 <= code < 400:
        return
    if 400 <= code < 500:
        outcome.add("retried_4xx")
        raise Retry("%s %d %s" % (stage, code, text))
    with outcome.lock:
        outcome.failures.append("%s: %d %s" % (stage, code, text))
    raise Retry("5xx")  # the message is abandoned by the caller


def worker(args, outcome, stop, n):
    sequence = 0
    smtp = None
    in_session = 0
    pending = None  # the logical message being sent, and how many attempts it had
    while True:
        if pending is None:
            if stop():
                break
            pending = [0]
        if pending[0] >= args.max_attempts:
            outcome.add("abandoned")
            pending = None
            continue
        pending[0] += 1
        sequence += 1
        msg_id = "%s.%d.%d@load.test" % (args.run_id, n, sequence)
        outcome.add("attempts")
        try:
            if smtp is None:
                smtp = smtplib.SMTP(timeout=args.timeout, source_address=(args.source, 0))
                try:
                    code, text = smtp.connect(args.host, args.port)
                except (ConnectionError, smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError) as ex:
                    outcome.add("refused_or_closed")
                    raise Retry("connect: %s" % ex)
                outcome.add("sessions")
                in_session = 0
                check(outcome, "greeting", code, text)
                code, text = smtp.ehlo("load%d.test" % n)
                check(outcome, "EHLO", code, text)
            code, text = smtp.mail("load@example.com")
            check(outcome, "MAIL", code, text)
            code, text = smtp.rcpt("rcpt@example.org")
            check(outcome, "RCPT", code, text)
            try:
                code, text = smtp.data(message(msg_id))
            except smtplib.SMTPDataError as ex:
                code, text = ex.smtp_code, ex.smtp_error
            check(outcome, "DATA", code, text)
            with outcome.lock:
                outcome.accepted.append(msg_id)
                outcome.counts["accepted"] += 1
            pending = None
            in_session += 1
            if n >= args.long_sessions and in_session >= args.per_session:
                try:
                    smtp.quit()
                except (smtplib.SMTPException, OSError):
                    pass
                smtp = None
        except Retry as ex:
            smtp = close(smtp)
            if str(ex) == "5xx":
                pending = None
            else:
                time.sleep(args.backoff)
        except socket.timeout:
            outcome.add("timeouts")
            smtp = close(smtp)
        except (smtplib.SMTPServerDisconnected, OSError):
            outcome.add("refused_or_closed")
            smtp = close(smtp)
            time.sleep(args.backoff)
    close(smtp)


def close(smtp):
    if smtp is not None:
        try:
            smtp.close()
        except OSError:
            pass
    return None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--source", default="127.0.0.1", help="local address to connect from")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--per-session", type=int, default=5)
    parser.add_argument("--long-sessions", type=int, default=0, help="workers whose sessions never end on their own")
    parser.add_argument("--timeout", type=float, default=20.0)
    parser.add_argument("--backoff", type=float, default=0.2)
    parser.add_argument("--max-attempts", type=int, default=50)
    parser.add_argument("--max-seconds", type=float, default=120.0)
    parser.add_argument("--stop-file", required=True)
    parser.add_argument("--out", required=True, help="directory for accepted-ids.txt and summary.json")
    parser.add_argument("--run-id", default=uuid.uuid4().hex[:12])
    args = parser.parse_args()

    outcome = Outcome()
    deadline = time.monotonic() + args.max_seconds
    stop = lambda: os.path.exists(args.stop_file) or time.monotonic() > deadline  # noqa: E731
    threads = [threading.Thread(target=worker, args=(args, outcome, stop, n), daemon=True)
               for n in range(args.workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(args.max_seconds + args.timeout * args.max_attempts)
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "accepted-ids.txt"), "w") as ids:
        ids.writelines(i + "\n" for i in outcome.accepted)
    summary = dict(outcome.counts, failures=outcome.failures[:20], failure_count=len(outcome.failures),
                   unfinished_workers=sum(t.is_alive() for t in threads))
    with open(os.path.join(args.out, "summary.json"), "w") as out:
        json.dump(summary, out, indent=1)
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
