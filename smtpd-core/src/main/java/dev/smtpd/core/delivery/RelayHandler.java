package dev.smtpd.core.delivery;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

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
 * client sees the upstream's answer: a refused MAIL or DATA is answered with the
 * upstream's reply; when some recipients are refused and others accepted, the message
 * goes to the accepted ones and the client gets {@code 250} (per-recipient status needs
 * LMTP). An upstream that cannot be reached gives {@code 451 4.4.1}. Message content is
 * never logged. DSN parameters ({@code RET}, {@code ENVID}, {@code NOTIFY},
 * {@code ORCPT}) go upstream when it advertises DSN, and are dropped otherwise (RFC 3461
 * §4).
 */
public class RelayHandler implements SmtpHandler {

	private static final Logger logger = LoggerFactory.getLogger(RelayHandler.class);

	private static final Reply NO_BINARYMIME = Reply.of(554, "5.6.3",
			"BINARYMIME content cannot be relayed: the relay sends with DATA");

	private static final Reply UNREACHABLE = Reply.of(451, "4.4.1", "Upstream server not reachable, try again later");

	private static final Reply UPSTREAM_BROKE = Reply.of(451, "4.4.2",
			"Upstream server connection lost, try again later");

	private static final Reply NO_SMTPUTF8 = Reply.of(554, "5.6.7",
			"Upstream server does not support SMTPUTF8; message not relayed");

	/**
	 * Closes the upstream socket when a write does not finish in time: a blocking socket
	 * has a read timeout but no write timeout, and an upstream that stops reading would
	 * hold the hook thread.
	 */
	private static final ScheduledExecutorService WATCHDOG = Executors.newSingleThreadScheduledExecutor((task) -> {
		Thread thread = new Thread(task, "smtpd-relay-watchdog");
		thread.setDaemon(true);
		return thread;
	});

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
		if (envelope.mailOptions().body() == BodyType.BINARYMIME) {
			// this relay sends with DATA, which cannot carry binary content (RFC 3030 §3)
			return NO_BINARYMIME;
		}
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
			Upstream upstream = new Upstream(socket, this.readTimeout);
			return relay(session, envelope, content, upstream);
		}
		catch (IOException ex) {
			logger.warn("Session {}: relaying to {}:{} failed: {}", session.id(), this.host, this.port, ex.toString());
			return UPSTREAM_BROKE;
		}
	}

	private @Nullable Reply relay(Session session, Envelope envelope, MessageContent content, Upstream upstream)
			throws IOException {
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
		StringBuilder mail = new StringBuilder("MAIL FROM:<").append(envelope.mailFrom()).append('>');
		if (envelope.mailOptions().body() == BodyType.EIGHT_BIT_MIME && keywords.contains("8BITMIME")) {
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
		Reply data = upstream.command("DATA");
		if (data.code() != 354) {
			return refused(session, "DATA", data);
		}
		try (InputStream in = content.openStream()) {
			upstream.sendStuffed(in);
		}
		Reply end = upstream.command(".");
		try {
			upstream.command("QUIT");
		}
		catch (IOException ex) {
			// the message is already accepted or refused; a lost QUIT changes nothing
		}
		return end.isPositive() ? null : refused(session, "end of DATA", end);
	}

	private static Reply refused(Session session, String step, Reply reply) {
		logger.info("Session {}: upstream refused at {}: {}", session.id(), step, reply.code());
		return (reply.code() >= 400) ? reply : Reply.of(451, "4.4.0", "Unexpected reply from upstream server");
	}

	@Override
	public String toString() {
		return "RelayHandler[" + this.host + ":" + this.port + "]";
	}

	/** One connection to the upstream server. */
	private static final class Upstream {

		private final InputStream in;

		private final OutputStream out;

		Upstream(Socket socket, Duration writeTimeout) throws IOException {
			this.in = new BufferedInputStream(socket.getInputStream());
			this.out = new BufferedOutputStream(new DeadlineOutputStream(socket, writeTimeout), 8192);
		}

		Reply command(String line) throws IOException {
			this.out.write(line.getBytes(StandardCharsets.UTF_8));
			this.out.write('\r');
			this.out.write('\n');
			this.out.flush();
			return read();
		}

		Reply read() throws IOException {
			StringBuilder text = new StringBuilder();
			while (true) {
				String line = readLine();
				if (line.length() < 3) {
					throw new IOException("Malformed reply from upstream");
				}
				text.append(line).append('\n');
				if (line.length() == 3 || line.charAt(3) != '-') {
					break;
				}
				if (text.length() > 64 * 1024) {
					throw new IOException("Upstream reply too long");
				}
			}
			try {
				return Reply.parse(text.toString().replaceAll("(?m)^(\\d{3})-", "$1 "));
			}
			catch (IllegalArgumentException ex) {
				throw new IOException("Malformed reply from upstream", ex);
			}
		}

		private String readLine() throws IOException {
			ByteArrayOutputStream line = new ByteArrayOutputStream(128);
			int previous = -1;
			while (true) {
				int b = this.in.read();
				if (b < 0) {
					throw new IOException("Upstream closed the connection");
				}
				if (b == '\n' && previous == '\r') {
					byte[] bytes = line.toByteArray();
					return new String(bytes, 0, bytes.length - 1, StandardCharsets.UTF_8);
				}
				if (line.size() > 4096) {
					throw new IOException("Upstream reply line too long");
				}
				line.write(b);
				previous = b;
			}
		}

		/**
		 * Sends the message with a dot doubled at the start of each line (RFC 5321
		 * §4.5.2).
		 */
		void sendStuffed(InputStream content) throws IOException {
			boolean lineStart = true;
			int previous = -1;
			byte[] buffer = new byte[8192];
			int n;
			while ((n = content.read(buffer)) > 0) {
				for (int i = 0; i < n; i++) {
					byte b = buffer[i];
					if (lineStart && b == '.') {
						this.out.write('.');
					}
					this.out.write(b);
					lineStart = (b == '\n' && previous == '\r');
					previous = b;
				}
			}
			if (!lineStart) {
				this.out.write('\r');
				this.out.write('\n');
			}
		}

	}

	/**
	 * The socket's output, closed by the watchdog if one write takes longer than the
	 * timeout.
	 */
	private static final class DeadlineOutputStream extends FilterOutputStream {

		private final Socket socket;

		private final long timeoutNanos;

		DeadlineOutputStream(Socket socket, Duration timeout) throws IOException {
			super(socket.getOutputStream());
			this.socket = socket;
			this.timeoutNanos = timeout.toNanos();
		}

		@Override
		public void write(byte[] bytes, int offset, int length) throws IOException {
			ScheduledFuture<?> deadline = WATCHDOG.schedule(this::closeSocket, this.timeoutNanos, TimeUnit.NANOSECONDS);
			try {
				this.out.write(bytes, offset, length);
			}
			catch (IOException ex) {
				throw this.socket.isClosed() ? new IOException("Upstream server stopped reading", ex) : ex;
			}
			finally {
				deadline.cancel(false);
			}
		}

		private void closeSocket() {
			try {
				this.socket.close();
			}
			catch (IOException ex) {
				// closing is all that is wanted
			}
		}

	}

}
