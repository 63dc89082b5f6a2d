#!/usr/bin/env python3
"""The soak's own clients (benchmarks/soak.sh): the kinds of load that smtp-source and
PipeliningClient do not make. Each run is bounded (a count of sessions, socket timeouts)
and prints one line of counts.

  soak-clients.py auth  PORT COUNT   AUTH PLAIN/LOGIN with a wrong password (and one right one
                                     per run) from source addresses 127.0.1.1-127.0.1.250
  soak-clients.py slow  PORT COUNT   clients that trickle a whole transaction, a byte at a time
  soak-clients.py abort PORT COUNT   1 MiB DATA cut off half-way (the connection just closes),
                                     so the spilled part must be dropped
  soak-clients.py reject PORT COUNT  sessions with a refused recipient (550), an unknown
                                     command (500), RSET, then a message that is accepted
"""

import random
import smtplib
import socket
import sys
import threading
import time

HOST = "127.0.0.1"
LOGIN = "soak"
PASSWORD = "soak-secret"


def auth(port, count):
    failed = succeeded = errors = 0
    for i in range(count):
        source = "127.0.1.%d" % random.randint(1, 250)
        right = i == 0
        try:
            with smtplib.SMTP(HOST, port, timeout=30, source_address=(source, 0)) as client:
                client.ehlo("auth.soak.example")
                client.login(LOGIN, PASSWORD if right else "wrong-%d" % i)
                succeeded += 1
        except smtplib.SMTPAuthenticationError:
            failed += 1
        except (smtplib.SMTPException, OSError):
            # 421 once the address used up its failures, or the server closed
            errors += 1
    print("auth failed=%d succeeded=%d errors=%d" % (failed, succeeded, errors))


def trickle(sock, text, pause):
    for b in text.encode("ascii"):
        sock.sendall(bytes([b]))
        time.sleep(pause)


def read_reply(reader):
    lines = []
    while True:
        line = reader.readline()
        if not line:
            raise OSError("closed")
        lines.append(line)
        if len(line) < 4 or line[3:4] != b"-":
            return lines


def slow_session(port, results):
    try:
        with socket.create_connection((HOST, port), timeout=60) as sock:
            reader = sock.makefile("rb")
            read_reply(reader)
            for command in ("EHLO slow.soak.example\r\n", "MAIL FROM:<slow@soak.example>\r\n",
                            "RCPT TO:<rcpt@soak.example>\r\n", "DATA\r\n"):
                trickle(sock, command, 0.05)
                read_reply(reader)
            trickle(sock, "Subject: slow\r\n\r\n" + "x" * 200 + "\r\n.\r\n", 0.02)
            reply = read_reply(reader)
            sock.sendall(b"QUIT\r\n")
            read_reply(reader)
            results.append(reply[0][:3] == b"250")
    except OSError:
        results.append(False)


def slow(port, count):
    results = []
    threads = [threading.Thread(target=slow_session, args=(port, results)) for _ in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print("slow ok=%d failed=%d" % (results.count(True), results.count(False)))


def abort(port, count):
    done = errors = 0
    line = b"y" * 998 + b"\r\n"
    for _ in range(count):
        try:
            with socket.create_connection((HOST, port), timeout=30) as sock:
                reader = sock.makefile("rb")
                read_reply(reader)
                sock.sendall(b"EHLO abort.soak.example\r\nMAIL FROM:<abort@soak.example>\r\n"
                             b"RCPT TO:<rcpt@soak.example>\r\nDATA\r\n")
                for _ in range(4):
                    read_reply(reader)
                for _ in range(512):
                    sock.sendall(line)
                done += 1
            # closed without the final dot
        except OSError:
            errors += 1
    print("abort done=%d errors=%d" % (done, errors))


def reject(port, count):
    ok = errors = 0
    for _ in range(count):
        try:
            with smtplib.SMTP(HOST, port, timeout=30) as client:
                client.ehlo("reject.soak.example")
                client.mail("sender@soak.example")
                refused = client.rcpt("rcpt@refused.example")[0]
                unknown = client.docmd("XSOAK")[0]
                client.rset()
                client.sendmail("sender@soak.example", ["rcpt@soak.example"], b"Subject: r\r\n\r\nbody\r\n")
                ok += refused == 550 and unknown == 500
        except (smtplib.SMTPException, OSError):
            errors += 1
    print("reject ok=%d errors=%d" % (ok, errors))


def main():
    mode, port, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    {"auth": auth, "slow": slow, "abort": abort, "reject": reject}[mode](port, count)


if __name__ == "__main__":
    main()
