package dev.smtpd.sample;

/**
 * What {@code --help} prints.
 */
final class Help {

	static final String TEXT = """
			smtpd-sample-app: an SMTP server that logs every message and stores it in a Maildir.

			Usage:
			  java -jar smtpd-sample-app.jar [--smtpd.<property>=<value> ...]
			  java -jar smtpd-sample-app.jar users add|passwd|remove|list [LOGIN] [--smtpd.auth.users-file=FILE]

			Common options (every smtpd.* property works; see docs/configuration.md):
			  --smtpd.port=8025                   port to listen on (0: any free port)
			  --smtpd.address=127.0.0.1           address to bind to (default: all)
			  --smtpd.hostname=mx.example.com     name in the greeting
			  --smtpd.handler=debugging,maildir   sink, debugging, maildir, mbox, relay, memory (a list is a chain)
			  --smtpd.maildir.path=./mail         where the maildir handler stores messages
			  --smtpd.mbox.path=./mail.mbox       where the mbox handler appends messages
			  --smtpd.relay.host=HOST             upstream for the relay handler (--smtpd.relay.port=25)
			  --smtpd.data-size-limit=32MB        largest message
			  --smtpd.max-recipients=1000         recipients per message
			  --smtpd.max-connections=N           connections at once
			  --smtpd.smtputf8=true               accept internationalized addresses
			  --smtpd.auth.users-file=FILE        users for AUTH (manage with 'users add')
			  --smtpd.auth.required=true          AUTH before MAIL
			  --smtpd.auth.require-tls=false      allow AUTH without TLS (tests only)
			  --smtpd.ssl.bundle=NAME             TLS from spring.ssl.bundle.* (--smtpd.ssl.mode=starttls|implicit)
			  --sample.reject-domain=DOMAIN       recipients in this domain are refused (550); empty: none
			  --sample.domains=D1,D2              take mail only for these domains (550 for others), refuse loops
			  --sample.non-blocking-checks=true   run those checks on the network threads (@NonBlocking)
			  --server.port=8080                  HTTP port of the actuator (/actuator/health, /actuator/smtpd)
			  --spring.main.web-application-type=none   no HTTP at all
			""";

	private Help() {
	}

}
