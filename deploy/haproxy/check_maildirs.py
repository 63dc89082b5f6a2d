#!/usr/bin/env python3
"""Checks the replicas' Maildirs after the rolling-restart test.

- every id the load client got 250 for is stored exactly once across all replicas;
- no message of the load client is stored twice (an attempt that got no 250 may be stored once: the
  client could not know, RFC 5321 §6.1; these are counted and shown);
- with --client-address, the Received: header each replica added names that address (the client's,
  learnt from the PROXY header), and never --proxy-address (HAProxy's own source address).
Prints a JSON summary; exits 1 when a check fails.
"""
import argparse
import collections
import email.parser
import email.policy
import json
import os
import sys


def stored_messages(maildir):
    new = os.path.join(maildir, "new")
    for name in sorted(os.listdir(new)):
        with open(os.path.join(new, name), "rb") as f:
            yield email.parser.BytesHeaderParser(policy=email.policy.compat32).parse(f)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accepted", required=True, help="accepted-ids.txt of the load client")
    parser.add_argument("--client-address")
    parser.add_argument("--proxy-address")
    parser.add_argument("maildirs", nargs="+")
    args = parser.parse_args()

    with open(args.accepted) as f:
        accepted = [line.strip() for line in f if line.strip()]
    copies = collections.Counter()
    per_replica = {}
    other_messages = 0  # smtp-source's
    received = collections.Counter()
    for maildir in args.maildirs:
        count = 0
        for headers in stored_messages(maildir):
            count += 1
            load_id = headers.get("X-Load-Id")
            if load_id is None:
                other_messages += 1
                continue
            copies[load_id.strip()] += 1
            trace = headers.get("Received", "")
            address = trace[trace.find("[") + 1:trace.find("]")] if "[" in trace else "none"
            received[address] += 1
        per_replica[os.path.basename(os.path.normpath(maildir))] = count

    problems = []
    missing = [i for i in accepted if copies[i] == 0]
    duplicated = [i for i, n in copies.items() if n > 1]
    stored_without_250 = sorted(set(copies) - set(accepted))
    if not accepted:
        problems.append("the load client got no 250 at all")
    idle = [name for name, n in per_replica.items() if n == 0]
    if idle:
        problems.append("replicas that stored nothing: %s" % idle)
    if missing:
        problems.append("%d accepted messages not stored, e.g. %s" % (len(missing), missing[:3]))
    if duplicated:
        problems.append("%d messages stored more than once, e.g. %s" % (len(duplicated), duplicated[:3]))
    if len(set(accepted)) != len(accepted):
        problems.append("the load client got 250 twice for one id")
    if args.client_address:
        wrong = {a: n for a, n in received.items() if a != args.client_address}
        if wrong:
            problems.append("Received: headers name %s instead of the client's %s" % (wrong, args.client_address))
    elif args.proxy_address and args.proxy_address not in received:
        problems.append("Received: headers name %s, not HAProxy's %s" % (dict(received), args.proxy_address))
    summary = {"accepted": len(accepted), "stored_load_messages": sum(copies.values()),
               "stored_without_250": len(stored_without_250), "smtp_source_messages": other_messages,
               "per_replica": per_replica, "received_from": dict(received), "problems": problems}
    print(json.dumps(summary))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
