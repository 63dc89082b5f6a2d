package dev.smtpd.autoconfigure.test;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;

/**
 * Small helpers for tests that talk SMTP over a plain socket.
 */
public final class SmtpWire {

	private SmtpWire() {
	}

	/**
	 * Reads one reply, all its lines, without buffering past it (so a socket can switch to TLS after).
	 * @param in the stream
	 * @return the lines, each ending with {@code \n}
	 * @throws IOException if reading fails
	 */
	public static String readReply(InputStream in) throws IOException {
		StringBuilder reply = new StringBuilder();
		while (true) {
			StringBuilder line = new StringBuilder();
			int c;
			while ((c = in.read()) != -1 && c != '\n') {
				if (c != '\r') {
					line.append((char) c);
				}
			}
			reply.append(line).append('\n');
			if (c == -1 || line.length() < 4 || line.charAt(3) != '-') {
				return reply.toString();
			}
		}
	}

	/**
	 * Returns a port that was free a moment ago, for properties that must be known before startup.
	 * @return the port
	 */
	public static int freePort() {
		try (ServerSocket socket = new ServerSocket(0)) {
			return socket.getLocalPort();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

}
