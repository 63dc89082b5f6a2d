#!/usr/bin/env bash
#
# A throw-away Postfix instance in one directory, for tests: its own main.cf and master.cf, queue,
# data and log, smtpd on 127.0.0.1 only, and every recipient of the given domains relayed to one
# transport (the application under test). Nothing is delivered locally and nothing leaves the
# machine: other domains are refused. Needs root (Postfix's master runs as root) and Debian's postfix
# package, installed with "No configuration" so that there is no system instance (see .ci/run).
#
# Usage:
#   private-postfix.sh start DIR PORT TRANSPORT DOMAIN...   create DIR/{etc,queue,data}, start
#   private-postfix.sh stop DIR                             stop it (waits for the master to exit)
#   private-postfix.sh flush DIR                            deliver the deferred mail now
#
#   PORT       the port smtpd listens on, on 127.0.0.1
#   TRANSPORT  where the domains' mail goes, e.g. lmtp:unix:/tmp/x/lmtp.sock,
#              lmtp:inet:127.0.0.1:2424 or smtp:[127.0.0.1]:2525
#   DOMAIN     relay domains: their mail is accepted from anyone and goes to TRANSPORT
#
# The log is DIR/maillog. Mail Postfix writes itself (bounces) goes to the sender, so a sender in
# one of the domains receives its bounces through TRANSPORT too.
#
set -euo pipefail

POSTFIX="${POSTFIX:-/usr/sbin/postfix}"

usage() {
	sed -n '/^# Usage:/,/^# The log/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
	exit 2
}

start() {
	local dir port transport
	[[ $# -ge 4 ]] || usage
	dir="$(realpath "$1")" port="$2" transport="$3"
	shift 3
	# the daemons run as postfix: they must reach the queue (and a socket) in DIR, and DIR's
	# parents must let them through
	mkdir -p "$dir/etc" "$dir/queue" "$dir/data"
	chmod 755 "$dir"
	chown postfix "$dir/data"
	cat >"$dir/etc/main.cf" <<-CF
		compatibility_level = 3.6
		config_directory = $dir/etc
		queue_directory = $dir/queue
		data_directory = $dir/data
		mail_owner = postfix
		setgid_group = postdrop
		myhostname = postfix.test
		mydomain = postfix.test
		myorigin = \$myhostname
		inet_interfaces = 127.0.0.1
		inet_protocols = ipv4
		mynetworks = 127.0.0.0/8
		# no local delivery: everything for the relay domains goes to the application,
		# anything else is refused (smtpd) or bounced (mail Postfix writes itself)
		mydestination =
		local_recipient_maps =
		alias_maps =
		alias_database =
		relay_domains = $*
		relay_transport = $transport
		local_transport = error:5.1.1 no local delivery in this instance
		default_transport = error:5.7.1 no mail leaves this instance
		smtpd_relay_restrictions = reject_unauth_destination
		# logging without syslog (Postfix 3.4+): postlogd writes the file
		maillog_file = $dir/maillog
		maillog_file_prefixes = $dir
		# a test wants failures soon, not retries over days
		maximal_queue_lifetime = 1h
		bounce_queue_lifetime = 1h
	CF
	# Debian's master.cf without what a test does not need; chroot off for every service, so that
	# the lmtp client reaches a Unix socket outside the queue directory
	cat >"$dir/etc/master.cf" <<-CF
		127.0.0.1:$port inet n - n - - smtpd
		pickup    unix  n       -       n       60      1       pickup
		cleanup   unix  n       -       n       -       0       cleanup
		qmgr      unix  n       -       n       300     1       qmgr
		rewrite   unix  -       -       n       -       -       trivial-rewrite
		bounce    unix  -       -       n       -       0       bounce
		defer     unix  -       -       n       -       0       bounce
		trace     unix  -       -       n       -       0       bounce
		verify    unix  -       -       n       -       1       verify
		flush     unix  n       -       n       1000?   0       flush
		proxymap  unix  -       -       n       -       -       proxymap
		showq     unix  n       -       n       -       -       showq
		error     unix  -       -       n       -       -       error
		retry     unix  -       -       n       -       -       error
		discard   unix  -       -       n       -       -       discard
		smtp      unix  -       -       n       -       -       smtp
		relay     unix  -       -       n       -       -       smtp
		lmtp      unix  -       -       n       -       -       lmtp
		anvil     unix  -       -       n       -       1       anvil
		scache    unix  -       -       n       -       1       scache
		postlog   unix-dgram n  -       n       -       1       postlogd
	CF
	"$POSTFIX" -c "$dir/etc" check
	"$POSTFIX" -c "$dir/etc" start
}

stop() {
	local dir pid attempt
	[[ $# -eq 1 ]] || usage
	dir="$(realpath "$1")"
	[[ -f "$dir/queue/pid/master.pid" ]] || return 0
	pid="$(tr -d ' ' <"$dir/queue/pid/master.pid")"
	"$POSTFIX" -c "$dir/etc" stop || true
	for attempt in $(seq 1 100); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
	echo "Postfix master $pid still runs after 10 s: killing it" >&2
	kill -9 "$pid" 2>/dev/null || true
}

flush() {
	[[ $# -eq 1 ]] || usage
	"$POSTFIX" -c "$(realpath "$1")/etc" flush
}

command="${1:-}"
shift || true
case "$command" in
	start | stop | flush) "$command" "$@" ;;
	*) usage ;;
esac
