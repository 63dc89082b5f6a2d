"""Sends one message with Python's smtplib over a Unix domain socket.

smtplib.SMTP speaks TCP only; this subclass connects its socket to a path instead.
Usage: smtplib_unix.py SOCKET_PATH
"""
import smtplib
import socket
import sys


class UnixSMTP(smtplib.SMTP):

    def _get_socket(self, host, port, timeout):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(timeout)
        sock.connect(host)
        return sock


with UnixSMTP(sys.argv[1], local_hostname="python.example", timeout=20) as smtp:
    code, _ = smtp.ehlo()
    print("EHLO", code)
    refused = smtp.sendmail("alice@example.com", ["bob@example.com"],
                            "Subject: smtplib over a unix socket\r\n\r\nhello from python\r\n")
    print("REFUSED", refused)
    code, _ = smtp.noop()
    print("NOOP", code)
