package dev.smtpd.core.delivery;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import dev.smtpd.core.handler.Reply;

/**
 * The {@link RelayHandler}'s side of one connection to the upstream server: command lines
 * out, (multi-line) replies in, and the message either dot-stuffed after DATA or as it is
 * after BDAT. Blocking, on the hook thread; a reply that does not come within the read
 * timeout, and a write the upstream does not take within it, end the connection.
 */
final class UpstreamConnection {

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

	private static final int BUFFER_SIZE = 8192;

	private final InputStream in;

	private final OutputStream out;

	UpstreamConnection(Socket socket, Duration writeTimeout) throws IOException {
		this.in = new BufferedInputStream(socket.getInputStream());
		this.out = new BufferedOutputStream(new DeadlineOutputStream(socket, writeTimeout), BUFFER_SIZE);
	}

	/**
	 * Sends a command line and reads its reply.
	 */
	Reply command(String line) throws IOException {
		writeLine(line);
		this.out.flush();
		return read();
	}

	/**
	 * Whether the upstream has closed the connection, or sent something nobody asked for
	 * (as a {@code 421} before it closes): a read that waits a millisecond at most.
	 */
	boolean hasEnded(Socket socket) throws IOException {
		if (this.in.available() > 0) {
			return true;
		}
		int timeout = socket.getSoTimeout();
		socket.setSoTimeout(1);
		try {
			this.in.read();
			return true;
		}
		catch (SocketTimeoutException ex) {
			return false;
		}
		finally {
			socket.setSoTimeout(timeout);
		}
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

	private void writeLine(String line) throws IOException {
		this.out.write(line.getBytes(StandardCharsets.UTF_8));
		this.out.write('\r');
		this.out.write('\n');
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
	 * Sends the message after a {@code 354}: a dot doubled at the start of each line (RFC
	 * 5321 §4.5.2), a CRLF added if the content does not end with one, and the final dot;
	 * then reads the reply.
	 */
	Reply sendStuffed(InputStream content) throws IOException {
		// every line end goes as CRLF: a bare LF or CR, which the message may hold, is
		// one
		// to a lenient upstream, and "<LF>.<CRLF>" would end the message there and make
		// the rest commands (SMTP smuggling; RFC 5321 §2.3.8: no bare line ends)
		boolean lineStart = true;
		boolean pendingCr = false;
		byte[] buffer = new byte[BUFFER_SIZE];
		int n;
		while ((n = content.read(buffer)) > 0) {
			for (int i = 0; i < n; i++) {
				byte b = buffer[i];
				if (pendingCr) {
					pendingCr = false;
					this.out.write('\r');
					this.out.write('\n');
					lineStart = true;
					if (b == '\n') {
						continue;
					}
				}
				if (b == '\r') {
					pendingCr = true;
					continue;
				}
				if (b == '\n') {
					this.out.write('\r');
					this.out.write('\n');
					lineStart = true;
					continue;
				}
				if (lineStart && b == '.') {
					this.out.write('.');
				}
				this.out.write(b);
				lineStart = false;
			}
		}
		if (pendingCr || !lineStart) {
			this.out.write('\r');
			this.out.write('\n');
		}
		return command(".");
	}

	/**
	 * Sends the message as one {@code BDAT <size> LAST} (RFC 3030): the octets as they
	 * are, nothing added; then reads the reply.
	 * @param content the message
	 * @param size its size, exactly
	 */
	Reply sendChunk(InputStream content, long size) throws IOException {
		writeLine("BDAT " + size + " LAST");
		long sent = content.transferTo(this.out);
		if (sent != size) {
			throw new IOException("Message of " + size + " bytes gave " + sent + " to the relay");
		}
		this.out.flush();
		return read();
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
