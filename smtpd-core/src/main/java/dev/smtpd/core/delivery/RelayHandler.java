package dev.smtpd.core.delivery;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import dev.smtpd.core.handler.BodyType;
import dev.smtpd.core.handler.Envelope;
import dev.smtpd.core.handler.MailOptions;
import dev.smtpd.core.handler.MessageContent;
import dev.smtpd.core.handler.RcptOptions;
import dev.smtpd.core.handler.Recipient;
import dev.smtpd.core.handler.Reply;
import dev.smtpd.core.handler.Session;
import dev.smtpd.core.handler.SmtpHandler;
import dev.smtpd.core.handler.TlsInfo;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Forwards each accepted message to an upstream SMTP server, as aiosmtpd's {@code Proxy}
 * handler, with a small blocking client of its own (one connection per transaction), in
 * lock-step with the client as a before-queue proxy: the client's MAIL opens the
 * connection and is passed on, each RCPT is passed on and answered with the upstream's
 * answer, and the message goes after the client's final dot (or BDAT LAST), so the
 * client's {@code 250} means the upstream took the message for every recipient the client
 * was told it took. A recipient the upstream refuses is refused to the client at RCPT,
 * and the message goes to the others. An upstream that cannot be reached gives
 * {@code 451 4.4.1}. The connection ends with the transaction (after the message, RSET, a
 * new greeting, STARTTLS or the end of the session). Message content is never logged.
 * <p>
 * The relay belongs last in the chain (as the built-in handlers are, after the
 * application's): when its MAIL or RCPT hook was not asked (a handler before it answered)
 * or a handler after it refused a recipient the upstream had taken, the upstream
 * transaction no longer matches the client's, and the relay opens a new one for the
 * message with the client's envelope; if the upstream then refuses a recipient, the
 * message is not relayed and the client gets {@code 451 4.4.0} (it was told the recipient
 * was taken, and SMTP has no reply per recipient after the message).
 * <p>
 * What the upstream advertises decides how the message goes:
 * <ul>
 * <li>{@code CHUNKING}: the message goes as one {@code BDAT <size> LAST}, its octets as
 * they are; otherwise with DATA, dot-stuffed, whichever way it came in.</li>
 * <li>{@code BINARYMIME} content (RFC 3030) goes only to an upstream that advertises
 * {@code BINARYMIME} and {@code CHUNKING}; to any other MAIL is refused with
 * {@code 554 5.6.3}, since DATA cannot carry it and the relay does not convert it.</li>
 * <li>{@code DSN}: the parameters {@code RET}, {@code ENVID}, {@code NOTIFY} and
 * {@code ORCPT} go upstream (RFC 3461 §5.2.1); to an upstream without DSN the message is
 * relayed without them (§5.2.2). The relay keeps no queue and writes no mail of its own,
 * so it does not issue the "relayed" notification §5.2.2 asks for when
 * {@code NOTIFY=SUCCESS} was given.</li>
 * <li>{@code SMTPUTF8} content goes only to an upstream that advertises it (MAIL is
 * refused with {@code 554 5.6.7} otherwise); {@code BODY=8BITMIME} is passed when
 * advertised.</li>
 * </ul>
 */
public class RelayHandler implements SmtpHandler {

	private static final Logger logger = LoggerFactory.getLogger(RelayHandler.class);

	/** The session attribute that holds the open upstream transaction. */
	private static final String UPSTREAM = RelayHandler.class.getName() + ".upstream";

	private static final Reply NO_BINARYMIME = Reply.of(554, "5.6.3",
			"Upstream server does not accept BINARYMIME; message not relayed");

	private static final Reply UNREACHABLE = Reply.of(451, "4.4.1", "Upstream server not reachable, try again later");

	private static final Reply UPSTREAM_BROKE = Reply.of(451, "4.4.2",
			"Upstream server connection lost, try again later");

	private static final Reply NO_SMTPUTF8 = Reply.of(554, "5.6.7",
			"Upstream server does not support SMTPUTF8; message not relayed");

	private static final Reply RECIPIENTS_CHANGED = Reply.of(451, "4.4.0",
			"Upstream server refused a recipient; message not relayed, try again later");

	private final String host;

	private final int port;

	private final Duration connectTimeout;

	private final Duration readTimeout;

	private final String heloName;

	/**
	 * Relays to an upstream with a 30 s connect and a 5 min read timeout.
	 * @param host the upstream host
	 * @param port the upstream port
	 */
	public RelayHandler(String host, int port) {
		this(host, port, Duration.ofSeconds(30), Duration.ofMinutes(5), "localhost");
	}

	/**
	 * Relays to an upstream.
	 * @param host the upstream host
	 * @param port the upstream port
	 * @param connectTimeout how long to wait for the connection
	 * @param readTimeout how long to wait for each reply, and for each write to be taken
	 * @param heloName the name to give in EHLO/HELO
	 */
	public RelayHandler(String host, int port, Duration connectTimeout, Duration readTimeout, String heloName) {
		this.host = host;
		this.port = port;
		this.connectTimeout = connectTimeout;
		this.readTimeout = readTimeout;
		this.heloName = heloName;
	}

	@Override
	public @Nullable Reply mail(Session session, Envelope envelope, String address, MailOptions options) {
		close(session);
		Upstream upstream = new Upstream();
		Reply refusal = open(session, upstream, address, options);
		if (refusal != null) {
			upstream.close();
			return refusal;
		}
		session.attributes().put(UPSTREAM, upstream);
		return null;
	}

	@Override
	public @Nullable Reply rcpt(Session session, Envelope envelope, String address, RcptOptions options) {
		if (!(session.attributes().get(UPSTREAM) instanceof Upstream upstream)) {
			return null; // the upstream's MAIL failed or was not ours: the message
							// decides
		}
		try {
			return upstream.rcpt(session, address, options);
		}
		catch (IOException ex) {
			logger.warn("Session {}: relaying to {}:{} failed: {}", session.id(), this.host, this.port, ex.toString());
			close(session);
			return UPSTREAM_BROKE;
		}
	}

	@Override
	public @Nullable Reply data(Session session, Envelope envelope, MessageContent content) {
		Upstream upstream = (session.attributes().remove(UPSTREAM) instanceof Upstream open) ? open : null;
		try {
			if (upstream == null || !upstream.accepted.equals(envelope.recipientAddresses())) {
				if (upstream != null) {
					upstream.close();
				}
				upstream = new Upstream();
				Reply refusal = again(session, upstream, envelope);
				if (refusal != null) {
					return refusal;
				}
			}
			return upstream.send(session, envelope, content);
		}
		catch (IOException ex) {
			logger.warn("Session {}: relaying to {}:{} failed: {}", session.id(), this.host, this.port, ex.toString());
			return UPSTREAM_BROKE;
		}
		finally {
			if (upstream != null) {
				upstream.close();
			}
		}
	}

	/**
	 * A new upstream transaction for the client's whole envelope, when the one built in
	 * lock-step does not match it; any refusal now refuses the message.
	 */
	private @Nullable Reply again(Session session, Upstream upstream, Envelope envelope) throws IOException {
		logger.debug("Session {}: upstream transaction does not match the envelope; starting it again", session.id());
		Reply refusal = open(session, upstream, envelope.mailFrom(), envelope.mailOptions());
		if (refusal != null) {
			return refusal;
		}
		for (Recipient recipient : envelope.recipients()) {
			Reply rcpt = upstream.rcpt(session, recipient.address(), recipient.options());
			if (rcpt != null) {
				return (envelope.recipients().size() == 1) ? rcpt : RECIPIENTS_CHANGED;
			}
		}
		return null;
	}

	@Override
	public @Nullable Reply rset(Session session, Envelope envelope) {
		close(session);
		return null;
	}

	@Override
	public @Nullable Reply helo(Session session, String hostname) {
		close(session);
		return null;
	}

	@Override
	public @Nullable Reply ehlo(Session session, String hostname, List<String> keywords) {
		close(session);
		return null;
	}

	@Override
	public @Nullable Reply starttls(Session session, TlsInfo tls) {
		close(session);
		return null;
	}

	@Override
	public void disconnected(Session session) {
		close(session);
	}

	/** Ends the session's upstream transaction, if one is open. */
	private static void close(Session session) {
		if (session.attributes().remove(UPSTREAM) instanceof Upstream upstream) {
			upstream.close();
		}
	}

	/**
	 * Connects, greets and sends MAIL.
	 * @return {@code null} when the upstream took MAIL, else the reply for the client
	 */
	private @Nullable Reply open(Session session, Upstream upstream, String address, MailOptions options) {
		try {
			upstream.socket.connect(new InetSocketAddress(this.host, this.port), (int) this.connectTimeout.toMillis());
		}
		catch (IOException ex) {
			logger.warn("Session {}: upstream {}:{} not reachable: {}", session.id(), this.host, this.port,
					ex.toString());
			return UNREACHABLE;
		}
		try {
			upstream.socket.setSoTimeout((int) this.readTimeout.toMillis());
			upstream.connection = new UpstreamConnection(upstream.socket, this.readTimeout);
			return upstream.mail(session, this.heloName, address, options);
		}
		catch (IOException ex) {
			logger.warn("Session {}: relaying to {}:{} failed: {}", session.id(), this.host, this.port, ex.toString());
			return UPSTREAM_BROKE;
		}
	}

	private static Reply refused(Session session, String step, Reply reply) {
		logger.info("Session {}: upstream refused at {}: {}", session.id(), step, reply.code());
		return (reply.code() >= 400) ? reply : Reply.of(451, "4.4.0", "Unexpected reply from upstream server");
	}

	@Override
	public String toString() {
		return "RelayHandler[" + this.host + ":" + this.port + "]";
	}

	/**
	 * One transaction with the upstream, on a connection of its own: what it advertised
	 * and the recipients it took.
	 */
	private static final class Upstream {

		private final Socket socket = new Socket();

		@SuppressWarnings("NullAway.Init")
		private UpstreamConnection connection;

		private boolean chunking;

		private boolean dsn;

		private final List<String> accepted = new ArrayList<>();

		@Nullable Reply mail(Session session, String heloName, String address, MailOptions options) throws IOException {
			Reply greeting = this.connection.read();
			if (greeting.code() != 220) {
				return refused(session, "greeting", greeting);
			}
			Reply ehlo = this.connection.command("EHLO " + heloName);
			boolean extended = ehlo.code() == 250;
			if (!extended) {
				Reply helo = this.connection.command("HELO " + heloName);
				if (helo.code() != 250) {
					return refused(session, "HELO", helo);
				}
			}
			List<String> keywords = extended
					? ehlo.lines().stream().map((line) -> line.toUpperCase(Locale.ROOT)).toList() : List.of();
			this.chunking = keywords.contains("CHUNKING");
			this.dsn = keywords.contains("DSN");
			StringBuilder mail = new StringBuilder("MAIL FROM:<").append(address).append('>');
			BodyType body = options.body();
			if (body == BodyType.BINARYMIME) {
				if (!this.chunking || !keywords.contains("BINARYMIME")) {
					// DATA cannot carry binary content (RFC 3030 §3), and the relay does
					// not convert it
					logger.info("Session {}: upstream does not accept BINARYMIME", session.id());
					return NO_BINARYMIME;
				}
				mail.append(" BODY=BINARYMIME");
			}
			else if (body == BodyType.EIGHT_BIT_MIME && keywords.contains("8BITMIME")) {
				mail.append(" BODY=8BITMIME");
			}
			if (options.smtputf8()) {
				if (!keywords.contains("SMTPUTF8")) { // RFC 6531 §3.2: no downgrade
					logger.info("Session {}: upstream does not offer SMTPUTF8", session.id());
					return NO_SMTPUTF8;
				}
				mail.append(" SMTPUTF8");
			}
			if (this.dsn) {
				DsnArguments.appendMail(mail, options);
			}
			Reply mailReply = this.connection.command(mail.toString());
			return mailReply.isPositive() ? null : refused(session, "MAIL", mailReply);
		}

		@Nullable Reply rcpt(Session session, String address, RcptOptions options) throws IOException {
			StringBuilder line = new StringBuilder("RCPT TO:<").append(address).append('>');
			if (this.dsn) {
				DsnArguments.appendRcpt(line, options);
			}
			Reply rcpt = this.connection.command(line.toString());
			if (!rcpt.isPositive()) {
				return refused(session, "RCPT", rcpt);
			}
			this.accepted.add(address);
			return null;
		}

		Reply send(Session session, Envelope envelope, MessageContent content) throws IOException {
			Reply end;
			if (this.chunking) {
				try (InputStream in = content.openStream()) {
					end = this.connection.sendChunk(in, content.size());
				}
			}
			else {
				Reply data = this.connection.command("DATA");
				if (data.code() != 354) {
					return refused(session, "DATA", data);
				}
				try (InputStream in = content.openStream()) {
					end = this.connection.sendStuffed(in);
				}
			}
			return end.isPositive() ? null : refused(session, this.chunking ? "BDAT" : "end of DATA", end);
		}

		/** Says QUIT if it can and closes the connection. */
		void close() {
			try (this.socket) {
				if (this.connection != null && !this.socket.isClosed()) {
					this.connection.command("QUIT");
				}
			}
			catch (IOException ex) {
				// the transaction is over either way; a lost QUIT changes nothing
			}
		}

	}

}
