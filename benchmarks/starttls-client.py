#!/usr/bin/env python3
"""Scenario T's load client: each message on a new connection with a full TLS 1.3 handshake.

EHLO, STARTTLS, EHLO, MAIL, RCPT, DATA (SIZE bytes), QUIT, as an MTA delivers one message. OpenSSL
through Python's ssl module (as Postfix's smtp client uses OpenSSL), Nagle's algorithm left on (as
MTAs leave it), no session resumption (no session is ever offered back), certificates not checked
(a throw-away one on 127.0.0.1). SESSIONS processes share MESSAGES; each run is bounded by SECONDS.
Prints one line: messages=... errors=... seconds=... msgs/s=... and the median and maximum time from
the end of the handshake to the reply to the first EHLO over TLS (the delayed-ACK stall shows there).

Usage: starttls-client.py PORT SESSIONS MESSAGES SIZE SECONDS
"""
import multiprocessing
import smtplib
import ssl
import statistics
import sys
import time


def worker(port, count, body, deadline, results):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    context.minimum_version = ssl.TLSVersion.TLSv1_3
    sent, errors, stalls = 0, 0, []
    for _ in range(count):
        if time.monotonic() > deadline:
            break
        try:
            with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
                smtp.ehlo("client.example")
                smtp.starttls(context=context)
                start = time.perf_counter()
                smtp.ehlo("client.example")
                stalls.append(time.perf_counter() - start)
                smtp.sendmail("sender@localhost", ["rcpt@localhost"], body)
            sent += 1
        except (OSError, smtplib.SMTPException) as error:
            errors += 1
            print(f"error: {error!r}", file=sys.stderr)
    results.put((sent, errors, stalls))


def main():
    port, sessions, messages, size, seconds = (int(argument) for argument in sys.argv[1:6])
    line = b"x" * 76 + b"\r\n"
    body = b"Subject: T\r\n\r\n" + (line * (size // len(line) + 1))[:size]
    results = multiprocessing.Queue()
    deadline = time.monotonic() + seconds
    shares = [messages // sessions + (1 if i < messages % sessions else 0) for i in range(sessions)]
    start = time.perf_counter()
    workers = [multiprocessing.Process(target=worker, args=(port, share, body, deadline, results))
               for share in shares]
    for process in workers:
        process.start()
    sent, errors, stalls = 0, 0, []
    for _ in workers:
        s, e, t = results.get()
        sent, errors, stalls = sent + s, errors + e, stalls + t
    for process in workers:
        process.join()
    elapsed = time.perf_counter() - start
    print("messages=%d errors=%d seconds=%.3f msgs/s=%.0f first-ehlo-median-ms=%.2f first-ehlo-max-ms=%.2f"
          % (sent, errors, elapsed, sent / elapsed, statistics.median(stalls) * 1000 if stalls else 0,
             max(stalls) * 1000 if stalls else 0))
    sys.exit(0 if errors == 0 and sent > 0 else 1)


if __name__ == "__main__":
    main()
