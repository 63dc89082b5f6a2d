#!/usr/bin/env bash
#
# A private Exim for tests, without installing Debian's exim4 packages (they conflict with postfix,
# which the Postfix tests need on the same machine): the packages are downloaded and unpacked into
# one directory, and each delivery runs that exim binary with its own configuration, spool and log
# in a directory of its own. No daemon, no system-wide service: "send" takes one message on standard
# input and delivers it in the foreground over SMTP to 127.0.0.1, then exits. Exim sends with BDAT
# whenever the server offers CHUNKING (hosts_try_chunking defaults to *).
#
# Debian's exim looks up its user "Debian-exim" before it reads any configuration; nss_wrapper
# (libnss-wrapper) gives it that user from a passwd file of the delivery's own, so nothing on the
# machine changes. Needs root (exim gives up privileges to run the delivery as "nobody").
#
# Usage:
#   private-exim.sh install HOME                       download and unpack Exim into HOME (needs
#                                                      apt-get update to have run once)
#   private-exim.sh send HOME DIR PORT FROM TO...      deliver the message on stdin to
#                                                      127.0.0.1:PORT; DIR gets exim.conf, spool/, log/
#
#   HOME   where Exim is unpacked, e.g. /opt/smtpd-exim
#   DIR    a fresh directory for this delivery
#   FROM   the envelope sender; TO one or more recipients
#
# The message goes in as a local submission (-oi: a line with a single dot is content); Exim adds
# no Received header (received_header_text is empty) and, when the message has From, Date and
# Message-ID, no header at all, so the server stores exactly what Exim read, with CRLF line ends.
# The delivery log is DIR/log/mainlog; "K" in its "=>" line means CHUNKING was used.
#
set -euo pipefail

PACKAGES=(exim4-daemon-light libidn12 libnss-wrapper)

usage() {
	sed -n '/^# Usage:/,/^# The message/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
	exit 2
}

install() {
	local home debs package
	[[ $# -eq 1 ]] || usage
	mkdir -p "$1"
	home="$(realpath "$1")"
	debs="$home/debs"
	mkdir -p "$debs" "$home/root"
	# apt-get download writes into the current directory; as root it warns that _apt
	# cannot reach it, which is harmless
	(cd "$debs" && apt-get download -q "${PACKAGES[@]}")
	for package in "$debs"/*.deb; do
		dpkg-deb -x "$package" "$home/root"
	done
	# the package's exim is setuid root: re-executed as another user, the loader would
	# ignore LD_LIBRARY_PATH and LD_PRELOAD; this copy runs as root anyway
	chmod u-s "$home/root/usr/sbin/exim4"
	echo "Exim unpacked in $home"
}

send() {
	local home dir port from lib
	[[ $# -ge 5 ]] || usage
	home="$(realpath "$1")" dir="$(realpath "$2")" port="$3" from="$4"
	shift 4
	[[ -x "$home/root/usr/sbin/exim4" ]] || {
		echo "No Exim in $home: run $0 install $home" >&2
		exit 1
	}
	lib="$home/root/usr/lib/x86_64-linux-gnu"
	mkdir -p "$dir/spool" "$dir/log"
	# exim writes its spool and log as the exim user
	chown nobody:nogroup "$dir/spool" "$dir/log"
	cp /etc/passwd "$dir/passwd"
	cp /etc/group "$dir/group"
	echo "Debian-exim:x:$(id -u nobody):$(id -g nobody)::/nonexistent:/usr/sbin/nologin" >>"$dir/passwd"
	echo "Debian-exim:x:$(id -g nobody):" >>"$dir/group"
	# exim re-executes itself (exim_path) for the delivery with a cleaned environment:
	# this wrapper gives it the libraries and the user again
	cat >"$dir/exim" <<-SH
		#!/bin/sh
		export LD_LIBRARY_PATH="$lib" LD_PRELOAD="$lib/libnss_wrapper.so"
		export NSS_WRAPPER_PASSWD="$dir/passwd" NSS_WRAPPER_GROUP="$dir/group"
		exec "$home/root/usr/sbin/exim4" "\$@"
	SH
	chmod 755 "$dir/exim"
	cat >"$dir/exim.conf" <<-CONF
		exim_path = $dir/exim
		keep_environment =
		exim_user = nobody
		exim_group = nogroup
		spool_directory = $dir/spool
		log_file_path = $dir/log/%slog
		primary_hostname = exim.test
		# no Received header: the stored message is what exim read
		received_header_text =

		begin routers

		to_application:
		  driver = manualroute
		  route_list = * 127.0.0.1
		  transport = to_application
		  self = send

		begin transports

		to_application:
		  driver = smtp
		  port = $port
		  allow_localhost
		  hosts_try_chunking = *

		begin retry

		* * F,1m,1m
	CONF
	"$dir/exim" -C "$dir/exim.conf" -odf -oi -f "$from" "$@"
	cat "$dir/log/mainlog"
	# delivered (=>) and nothing deferred or failed
	! grep -Eq ' (==|\*\*) ' "$dir/log/mainlog" && grep -q ' => ' "$dir/log/mainlog"
}

command="${1:-}"
shift || true
case "$command" in
	install | send) "$command" "$@" ;;
	*) usage ;;
esac
