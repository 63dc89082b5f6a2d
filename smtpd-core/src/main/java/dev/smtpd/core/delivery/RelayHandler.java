package dev.smtpd.core.delivery;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

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
 * new greeting, STARTTLS or the end of the session; a message that failed before the
 * relay saw it, at the next MAIL); one the upstream closed while the client took a second
 * or more over the message is replaced by a new one. MAIL and RCPT wait for the upstream
 * inside their hooks, so the command timeout belongs below the hook timeout. Message
 * content is never logged.
 * <p>
 * The relay belongs last in the chain (as the built-in handlers are, after the
 * application's): when its MAIL or RCPT hook was not asked (a handler before it answered)
 * or a handler after it refused a recipient the upstream had taken, the upstream
 * transaction no longer matches the client's, and the relay opens a new one for the
 * message with the client's envelope; if the upstream then refuses a recipient, the
 * message is not relayed and the client gets {@code 451 4.4.0} (it was told the recipient
 * was taken, and SMTP has no reply per recipient after the message), or the upstream's
 * refusal when it was the message's only recipient.
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

	static final Logger logger = LoggerFactory.getLogger(RelayHandler.class);

	private static final AtomicInteger INSTANCES = new AtomicInteger();

	/** How long the relay waits for the upstream's answer to QUIT. */
	static final int QUIT_TIMEOUT_MILLIS = 10_000;

	static final Reply NO_BINARYMIME = Reply.of(554, "5.6.3",
			"Upstream server does not accept BINARYMIME; message not relayed");

	private static final Reply UNREACHABLE = Reply.of(451, "4.4.1", "Upstream server not reachable, try again later");

	private static final Reply UPSTREAM_BROKE = Reply.of(451, "4.4.2",
			"Upstream server connection lost, try again later");

	static final Reply NO_SMTPUTF8 = Reply.of(554, "5.6.7",
			"Upstream server does not support SMTPUTF8; message not relayed");

	private static final Reply RECIPIENTS_CHANGED = Reply.of(451, "4.4.0",
			"Upstream server refused a recipient; message not relayed, try again later");

	/**
	 * An upstream connection idle this long before the message goes is probed for an end:
	 * upstreams close idle connections after tens of seconds or minutes, and the probe
	 * waits a millisecond, which a client that sends its message at once should not pay.
	 */
	private static final Duration PROBE_AFTER = Duration.ofSeconds(1);

	private static final Reply EARLIER_RECIPIENT_REFUSED = Reply.of(451, "4.4.0",
			"Upstream server refused an earlier recipient, try again later");

	private final String host;

	private final int port;

	private final Duration connectTimeout;

	private final Duration commandTimeout;

	private final Duration readTimeout;

	private final String heloName;

	/** How long an upstream connection may sit idle before it is probed for an end. */
	private final long probeAfterNanos;

	/** The session attribute that holds this relay's open upstream transaction. */
	private final String attribute = RelayHandler.class.getName() + ".upstream." + INSTANCES.incrementAndGet();

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
		this(host, port, connectTimeout, readTimeout, readTimeout, heloName);
	}

	/**
	 * Relays to an upstream, with a timeout of its own for what the relay waits for
	 * inside the MAIL and RCPT hooks.
	 * @param host the upstream host
	 * @param port the upstream port
	 * @param connectTimeout how long to wait for the connection
	 * @param commandTimeout how long to wait for the greeting and for the reply to each
	 * command before the message; keep it below the server's hook timeout, whose end does
	 * not stop a read the hook's thread is blocked in
	 * @param readTimeout how long to wait for the reply to the message, and for each
	 * write to be taken
	 * @param heloName the name to give in EHLO/HELO
	 */
	public RelayHandler(String host, int port, Duration connectTimeout, Duration commandTimeout, Duration readTimeout,
			String heloName) {
		this(host, port, connectTimeout, commandTimeout, readTimeout, heloName, PROBE_AFTER);
	}

	RelayHandler(String host, int port, Duration connectTimeout, Duration commandTimeout, Duration readTimeout,
			String heloName, Duration probeAfter) {
		this.probeAfterNanos = probeAfter.toNanos();
		this.host = host;
		this.port = port;
		this.connectTimeout = connectTimeout;
		this.commandTimeout = commandTimeout;
		this.readTimeout = readTimeout;
		this.heloName = heloName;
	}

	@Override
	public @Nullable Reply mail(Session session, Envelope envelope, String address, MailOptions options) {
		close(session);
		UpstreamTransaction upstream = new UpstreamTransaction(address, options);
		Reply refusal;
		try {
			refusal = open(session, upstream);
		}
		catch (RuntimeException ex) {
			upstream.close();
			throw ex;
		}
		if (refusal != null) {
			upstream.close();
			return refusal;
		}
		session.attributes().put(this.attribute, upstream);
		return null;
	}

	@Override
	public @Nullable Reply rcpt(Session session, Envelope envelope, String address, RcptOptions options) {
		UpstreamTransaction upstream = (session.attributes().get(this.attribute) instanceof UpstreamTransaction open
				&& open.matches(envelope)) ? open : null;
		if (upstream == null) {
			// the relay's MAIL hook was not asked, the message before failed as a whole,
			// or a handler after the relay refused a recipient: start again
			close(session);
			upstream = new UpstreamTransaction(envelope.mailFrom(), envelope.mailOptions());
			Reply refusal;
			try {
				refusal = again(session, upstream, envelope, false);
			}
			catch (RuntimeException ex) {
				upstream.close();
				throw ex;
			}
			if (refusal != null) {
				upstream.close();
				return (refusal == RECIPIENTS_CHANGED) ? EARLIER_RECIPIENT_REFUSED : refusal;
			}
			session.attributes().put(this.attribute, upstream);
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
		UpstreamTransaction upstream = (session.attributes().remove(this.attribute) instanceof UpstreamTransaction open)
				? open : null;
		try {
			if (upstream == null || !upstream.matches(envelope) || !upstream.isAlive(this.probeAfterNanos)) {
				if (upstream != null) {
					upstream.close();
				}
				upstream = new UpstreamTransaction(envelope.mailFrom(), envelope.mailOptions());
				Reply refusal = again(session, upstream, envelope, true);
				if (refusal != null) {
					return refusal;
				}
			}
			return upstream.send(session, content);
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
	 * Opens a new upstream transaction for the client's envelope as it stands: MAIL and
	 * every recipient taken so far. A refused recipient refuses it all (the client was
	 * told the recipient was taken).
	 * @param message whether the reply is the message's: a message to one recipient gets
	 * the upstream's refusal of it, any other case {@code 451 4.4.0}
	 * @return {@code null} when the upstream took everything, else the reply for the
	 * client
	 */
	private @Nullable Reply again(Session session, UpstreamTransaction upstream, Envelope envelope, boolean message) {
		logger.debug("Session {}: upstream transaction does not match the envelope; starting it again", session.id());
		Reply refusal = open(session, upstream);
		if (refusal != null) {
			return refusal;
		}
		try {
			for (Recipient recipient : envelope.recipients()) {
				Reply rcpt = upstream.rcpt(session, recipient.address(), recipient.options());
				if (rcpt != null) {
					return (message && envelope.recipients().size() == 1) ? rcpt : RECIPIENTS_CHANGED;
				}
			}
			return null;
		}
		catch (IOException ex) {
			logger.warn("Session {}: relaying to {}:{} failed: {}", session.id(), this.host, this.port, ex.toString());
			return UPSTREAM_BROKE;
		}
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
	private void close(Session session) {
		if (session.attributes().remove(this.attribute) instanceof UpstreamTransaction upstream) {
			upstream.close();
		}
	}

	/**
	 * Connects, greets and sends MAIL.
	 * @return {@code null} when the upstream took MAIL, else the reply for the client
	 */
	private @Nullable Reply open(Session session, UpstreamTransaction upstream) {
		try {
			upstream.connect(this.host, this.port, this.connectTimeout);
		}
		catch (IOException ex) {
			logger.warn("Session {}: upstream {}:{} not reachable: {}", session.id(), this.host, this.port,
					ex.toString());
			return UNREACHABLE;
		}
		try {
			return upstream.mail(session, this.commandTimeout, this.readTimeout, this.heloName);
		}
		catch (IOException ex) {
			logger.warn("Session {}: relaying to {}:{} failed: {}", session.id(), this.host, this.port, ex.toString());
			return UPSTREAM_BROKE;
		}
	}

	static Reply refused(Session session, String step, Reply reply) {
		logger.info("Session {}: upstream refused at {}: {}", session.id(), step, reply.code());
		return (reply.code() >= 400) ? reply : Reply.of(451, "4.4.0", "Unexpected reply from upstream server");
	}

	@Override
	public String toString() {
		return "RelayHandler[" + this.host + ":" + this.port + "]";
	}

}
