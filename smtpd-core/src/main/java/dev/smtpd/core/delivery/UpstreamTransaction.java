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
import dev.smtpd.core.handler.Reply;
import dev.smtpd.core.handler.Session;
import org.jspecify.annotations.Nullable;

/**
 * One transaction of the {@link RelayHandler} with its upstream, on a connection of its
 * own: the sender it was opened for, what the upstream advertised and the recipients it
 * took. Used by one hook at a time (a session's hooks never run at once).
 */
final class UpstreamTransaction {

	private final Socket socket = new Socket();

	private final String mailFrom;

	private final MailOptions options;

	@SuppressWarnings("NullAway.Init")
	private UpstreamConnection connection;

	private boolean chunking;

	/** How long to wait for the reply to the message (commands get less). */
	private Duration readTimeout = Duration.ZERO;

	private boolean dsn;

	/** The connection failed, or a message is half sent: no QUIT, just close. */
	private boolean broken;

	private final List<String> accepted = new ArrayList<>();

	/**
	 * When the upstream last answered MAIL or RCPT, on {@link System#nanoTime()}'s scale.
	 */
	private long lastReplyNanos;

	UpstreamTransaction(String mailFrom, MailOptions options) {
		this.mailFrom = mailFrom;
		this.options = options;
	}

	/** Whether this is the client's transaction as it stands. */
	boolean matches(Envelope envelope) {
		return !this.broken && this.mailFrom.equals(envelope.mailFrom()) && this.options.equals(envelope.mailOptions())
				&& this.accepted.equals(envelope.recipientAddresses());
	}

	/**
	 * Whether the connection is still open: upstreams close idle connections, and a
	 * client may take its time with the message. Asked before the message goes, so that
	 * it goes on a new connection instead of failing. The probe is a read that waits a
	 * millisecond, so only a connection idle for {@code probeAfterNanos} since its last
	 * reply is probed; a fresher one is taken as open.
	 */
	boolean isAlive(long probeAfterNanos) {
		if (System.nanoTime() - this.lastReplyNanos < probeAfterNanos) {
			return true;
		}
		try {
			if (!this.connection.hasEnded(this.socket)) {
				return true;
			}
		}
		catch (IOException ex) {
			// as good as ended
		}
		this.broken = true;
		return false;
	}

	void connect(String host, int port, Duration connectTimeout) throws IOException {
		this.socket.connect(new InetSocketAddress(host, port), (int) connectTimeout.toMillis());
	}

	/**
	 * Greets the upstream and sends MAIL, once connected.
	 * @return {@code null} when the upstream took MAIL, else the reply for the client
	 */
	@Nullable Reply mail(Session session, Duration commandTimeout, Duration readTimeout, String heloName) throws IOException {
		this.readTimeout = readTimeout;
		try {
			this.socket.setSoTimeout((int) commandTimeout.toMillis());
			this.connection = new UpstreamConnection(this.socket, readTimeout);
			return greetAndMail(session, heloName);
		}
		catch (IOException ex) {
			this.broken = true;
			throw ex;
		}
	}

	private @Nullable Reply greetAndMail(Session session, String heloName) throws IOException {
		Reply greeting = this.connection.read();
		if (greeting.code() != 220) {
			return RelayHandler.refused(session, "greeting", greeting);
		}
		Reply ehlo = this.connection.command("EHLO " + heloName);
		boolean extended = ehlo.code() == 250;
		if (!extended) {
			Reply helo = this.connection.command("HELO " + heloName);
			if (helo.code() != 250) {
				return RelayHandler.refused(session, "HELO", helo);
			}
		}
		List<String> keywords = extended ? ehlo.lines().stream().map((line) -> line.toUpperCase(Locale.ROOT)).toList()
				: List.of();
		this.chunking = keywords.contains("CHUNKING");
		this.dsn = keywords.contains("DSN");
		StringBuilder mail = new StringBuilder("MAIL FROM:<").append(this.mailFrom).append('>');
		BodyType body = this.options.body();
		if (body == BodyType.BINARYMIME) {
			if (!this.chunking || !keywords.contains("BINARYMIME")) {
				// DATA cannot carry binary content (RFC 3030 §3), and the relay does
				// not convert it
				RelayHandler.logger.info("Session {}: upstream does not accept BINARYMIME", session.id());
				return RelayHandler.NO_BINARYMIME;
			}
			mail.append(" BODY=BINARYMIME");
		}
		else if (body == BodyType.EIGHT_BIT_MIME && keywords.contains("8BITMIME")) {
			mail.append(" BODY=8BITMIME");
		}
		if (this.options.smtputf8()) {
			if (!keywords.contains("SMTPUTF8")) { // RFC 6531 §3.2: no downgrade
				RelayHandler.logger.info("Session {}: upstream does not offer SMTPUTF8", session.id());
				return RelayHandler.NO_SMTPUTF8;
			}
			mail.append(" SMTPUTF8");
		}
		if (this.dsn) {
			DsnArguments.appendMail(mail, this.options);
		}
		Reply mailReply = this.connection.command(mail.toString());
		this.lastReplyNanos = System.nanoTime();
		return accepted(mailReply) ? null : RelayHandler.refused(session, "MAIL", mailReply);
	}

	@Nullable Reply rcpt(Session session, String address, RcptOptions options) throws IOException {
		StringBuilder line = new StringBuilder("RCPT TO:<").append(address).append('>');
		if (this.dsn) {
			DsnArguments.appendRcpt(line, options);
		}
		Reply rcpt;
		try {
			rcpt = this.connection.command(line.toString());
			this.lastReplyNanos = System.nanoTime();
		}
		catch (IOException ex) {
			this.broken = true;
			throw ex;
		}
		if (!accepted(rcpt)) {
			return RelayHandler.refused(session, "RCPT", rcpt);
		}
		this.accepted.add(address);
		return null;
	}

	@Nullable Reply send(Session session, MessageContent content) throws IOException {
		this.broken = true; // until the upstream's reply is read
		Reply end;
		if (this.chunking) {
			this.socket.setSoTimeout((int) this.readTimeout.toMillis());
			try (InputStream in = content.openStream()) {
				end = this.connection.sendChunk(in, content.size());
			}
		}
		else {
			Reply data = this.connection.command("DATA");
			if (data.code() != 354) {
				this.broken = false;
				return RelayHandler.refused(session, "DATA", data);
			}
			this.socket.setSoTimeout((int) this.readTimeout.toMillis());
			try (InputStream in = content.openStream()) {
				end = this.connection.sendStuffed(in);
			}
		}
		this.broken = false;
		return accepted(end) ? null : RelayHandler.refused(session, this.chunking ? "BDAT" : "end of DATA", end);
	}

	/** Says QUIT if the connection is sound, and closes it. */
	void close() {
		try (this.socket) {
			if (this.connection != null && !this.broken && !this.socket.isClosed()) {
				this.socket.setSoTimeout(RelayHandler.QUIT_TIMEOUT_MILLIS);
				this.connection.command("QUIT");
			}
		}
		catch (IOException ex) {
			// the transaction is over either way; a lost QUIT changes nothing
		}
	}

	/** Only a {@code 2xx} takes: a {@code 3xx} where none belongs is no acceptance. */
	private static boolean accepted(Reply reply) {
		return reply.code() >= 200 && reply.code() < 300;
	}

}
