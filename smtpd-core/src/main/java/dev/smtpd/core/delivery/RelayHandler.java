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
import dev.smtpd.core.handler.MessageContent;
import dev.smtpd.core.handler.Recipient;
import dev.smtpd.core.handler.Reply;
import dev.smtpd.core.handler.Session;
import dev.smtpd.core.handler.SmtpHandler;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Forwards each accepted message to an upstream SMTP server, as aiosmtpd's {@code Proxy}
 * handler, with a small blocking client of its own (one connection per message). The
 * client sees the upstream's answer: a refused MAIL or message is answered with the
 * upstream's reply; when some recipients are refused and others accepted, the message
 * goes to the accepted ones and the client gets {@code 250} (per-recipient status needs
 * LMTP). An upstream that cannot be reached gives {@code 451 4.4.1}. Message content is
 * never logged.
 * <p>
 * What the upstream advertises decides how the message goes:
 * <ul>
 * <li>{@code CHUNKING}: the message goes as one {@code BDAT <size> LAST}, its octets as
 * they are; otherwise with DATA, dot-stuffed, whichever way it came in.</li>
 * <li>{@code BINARYMIME} content (RFC 3030) goes only to an upstream that advertises
 * {@code BINARYMIME} and {@code CHUNKING}; to any other it is refused with
 * {@code 554 5.6.3} before MAIL, since DATA cannot carry it and the relay does not
 * convert it.</li>
 * <li>{@code DSN}: the parameters {@code RET}, {@code ENVID}, {@code NOTIFY} and
 * {@code ORCPT} go upstream (RFC 3461 §5.2.1); to an upstream without DSN the message is
 * relayed without them (§5.2.2). The relay keeps no queue and writes no mail of its own,
 * so it does not issue the "relayed" notification §5.2.2 asks for when
 * {@code NOTIFY=SUCCESS} was given.</li>
 * <li>{@code SMTPUTF8} content goes only to an upstream that advertises it
 * ({@code 554 5.6.7} otherwise); {@code BODY=8BITMIME} is passed when advertised.</li>
 * </ul>
 */
public class RelayHandler implements SmtpHandler {

	private static final Logger logger = LoggerFactory.getLogger(RelayHandler.class);

	private static final Reply NO_BINARYMIME = Reply.of(554, "5.6.3",
			"Upstream server does not accept BINARYMIME; message not relayed");

	private static final Reply UNREACHABLE = Reply.of(451, "4.4.1", "Upstream server not reachable, try again later");

	private static final Reply UPSTREAM_BROKE = Reply.of(451, "4.4.2",
			"Upstream server connection lost, try again later");

	private static final Reply NO_SMTPUTF8 = Reply.of(554, "5.6.7",
			"Upstream server does not support SMTPUTF8; message not relayed");

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
	public @Nullable Reply data(Session session, Envelope envelope, MessageContent content) throws IOException {
		Socket socket = new Socket();
		try {
			socket.connect(new InetSocketAddress(this.host, this.port), (int) this.connectTimeout.toMillis());
		}
		catch (IOException ex) {
			socket.close();
			logger.warn("Session {}: upstream {}:{} not reachable: {}", session.id(), this.host, this.port,
					ex.toString());
			return UNREACHABLE;
		}
		try (socket) {
			socket.setSoTimeout((int) this.readTimeout.toMillis());
			UpstreamConnection upstream = new UpstreamConnection(socket, this.readTimeout);
			return relay(session, envelope, content, upstream);
		}
		catch (IOException ex) {
			logger.warn("Session {}: relaying to {}:{} failed: {}", session.id(), this.host, this.port, ex.toString());
			return UPSTREAM_BROKE;
		}
	}

	private @Nullable Reply relay(Session session, Envelope envelope, MessageContent content,
			UpstreamConnection upstream) throws IOException {
		Reply greeting = upstream.read();
		if (greeting.code() != 220) {
			return refused(session, "greeting", greeting);
		}
		Reply ehlo = upstream.command("EHLO " + this.heloName);
		boolean extended = ehlo.code() == 250;
		if (!extended) {
			Reply helo = upstream.command("HELO " + this.heloName);
			if (helo.code() != 250) {
				return refused(session, "HELO", helo);
			}
		}
		List<String> keywords = extended ? ehlo.lines().stream().map((line) -> line.toUpperCase(Locale.ROOT)).toList()
				: List.of();
		boolean chunking = keywords.contains("CHUNKING");
		StringBuilder mail = new StringBuilder("MAIL FROM:<").append(envelope.mailFrom()).append('>');
		BodyType body = envelope.mailOptions().body();
		if (body == BodyType.BINARYMIME) {
			if (!chunking || !keywords.contains("BINARYMIME")) {
				// DATA cannot carry binary content (RFC 3030 §3), and the relay does
				// not convert it
				upstream.command("QUIT");
				logger.info("Session {}: upstream does not accept BINARYMIME", session.id());
				return NO_BINARYMIME;
			}
			mail.append(" BODY=BINARYMIME");
		}
		else if (body == BodyType.EIGHT_BIT_MIME && keywords.contains("8BITMIME")) {
			mail.append(" BODY=8BITMIME");
		}
		if (envelope.isSmtputf8()) {
			if (!keywords.contains("SMTPUTF8")) { // RFC 6531 §3.2: no downgrade is
													// defined
				upstream.command("QUIT");
				logger.info("Session {}: upstream does not offer SMTPUTF8", session.id());
				return NO_SMTPUTF8;
			}
			mail.append(" SMTPUTF8");
		}
		boolean dsn = keywords.contains("DSN");
		if (dsn) {
			DsnArguments.appendMail(mail, envelope.mailOptions());
		}
		Reply mailReply = upstream.command(mail.toString());
		if (!mailReply.isPositive()) {
			return refused(session, "MAIL", mailReply);
		}
		List<String> accepted = new ArrayList<>();
		Reply lastRefusal = null;
		for (Recipient recipient : envelope.recipients()) {
			StringBuilder rcptLine = new StringBuilder("RCPT TO:<").append(recipient.address()).append('>');
			if (dsn) {
				DsnArguments.appendRcpt(rcptLine, recipient.options());
			}
			Reply rcpt = upstream.command(rcptLine.toString());
			if (rcpt.isPositive()) {
				accepted.add(recipient.address());
			}
			else {
				lastRefusal = rcpt;
				logger.info("Session {}: upstream refused a recipient: {}", session.id(), rcpt.code());
			}
		}
		if (accepted.isEmpty()) {
			upstream.command("QUIT");
			return (lastRefusal != null) ? refused(session, "RCPT", lastRefusal)
					: Reply.of(554, "5.5.1", "No valid recipients");
		}
		Reply end;
		if (chunking) {
			try (InputStream in = content.openStream()) {
				end = upstream.sendChunk(in, content.size());
			}
		}
		else {
			Reply data = upstream.command("DATA");
			if (data.code() != 354) {
				return refused(session, "DATA", data);
			}
			try (InputStream in = content.openStream()) {
				end = upstream.sendStuffed(in);
			}
		}
		try {
			upstream.command("QUIT");
		}
		catch (IOException ex) {
			// the message is already accepted or refused; a lost QUIT changes nothing
		}
		return end.isPositive() ? null : refused(session, chunking ? "BDAT" : "end of DATA", end);
	}

	private static Reply refused(Session session, String step, Reply reply) {
		logger.info("Session {}: upstream refused at {}: {}", session.id(), step, reply.code());
		return (reply.code() >= 400) ? reply : Reply.of(451, "4.4.0", "Unexpected reply from upstream server");
	}

	@Override
	public String toString() {
		return "RelayHandler[" + this.host + ":" + this.port + "]";
	}

}
