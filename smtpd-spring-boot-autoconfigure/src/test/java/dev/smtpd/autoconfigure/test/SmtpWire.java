package dev.smtpd.autoconfigure.test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Small helpers for tests that talk SMTP over a plain socket.
 */
public final class SmtpWire {

	private SmtpWire() {
	}

	/**
	 * Reads one reply, all its lines, without buffering past it (so a socket can switch
	 * to TLS after).
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
	 * Delivers one message over a plain connection: EHLO, MAIL, one RCPT per recipient,
	 * DATA, QUIT.
	 * @param port the server's port on 127.0.0.1
	 * @param from the sender
	 * @param message the message with CRLF line endings, without the final dot
	 * @param to the recipients
	 * @return the first line of each reply after the greeting, in order
	 * @throws IOException if the connection fails
	 */
	public static List<String> deliver(int port, String from, String message, String... to) throws IOException {
		List<String> replies = new ArrayList<>();
		try (Socket socket = new Socket("127.0.0.1", port)) {
			socket.setSoTimeout(10_000);
			InputStream in = socket.getInputStream();
			OutputStream out = socket.getOutputStream();
			readReply(in);
			List<String> commands = new ArrayList<>(List.of("EHLO client.example", "MAIL FROM:<" + from + ">"));
			for (String recipient : to) {
				commands.add("RCPT TO:<" + recipient + ">");
			}
			commands.add("DATA");
			for (String command : commands) {
				out.write((command + "\r\n").getBytes(StandardCharsets.US_ASCII));
				replies.add(firstLine(readReply(in)));
			}
			if (replies.get(replies.size() - 1).startsWith("354")) {
				String end = message.endsWith("\r\n") ? ".\r\n" : "\r\n.\r\n";
				out.write((message + end).getBytes(StandardCharsets.UTF_8));
				replies.add(firstLine(readReply(in)));
			}
			out.write("QUIT\r\n".getBytes(StandardCharsets.US_ASCII));
			replies.add(firstLine(readReply(in)));
		}
		return replies;
	}

	private static String firstLine(String reply) {
		return reply.substring(0, reply.indexOf('\n'));
	}

	/**
	 * Returns a port that was free a moment ago, for properties that must be known before
	 * startup.
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
