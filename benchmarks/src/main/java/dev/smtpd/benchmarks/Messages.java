package dev.smtpd.benchmarks;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Builds test messages: a few header lines and a body of 78-character lines, every tenth
 * one starting with a dot (so dot-stuffed on the wire), CRLF line ends.
 */
final class Messages {

	private static final String ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ";

	private Messages() {
	}

	/**
	 * Returns a message as sent in DATA (dot-stuffed, without the final {@code .CRLF})
	 * whose unstuffed text is about {@code size} bytes.
	 * @param size the size of the message text in bytes
	 * @return the bytes to send
	 */
	static byte[] stuffed(int size) {
		ByteArrayOutputStream out = new ByteArrayOutputStream(size + size / 500 + 256);
		byte[] header = ("From: <sender@localhost>\r\nTo: <rcpt@localhost>\r\nSubject: benchmark\r\n"
				+ "Message-ID: <bench@localhost>\r\n\r\n")
			.getBytes(StandardCharsets.US_ASCII);
		out.writeBytes(header);
		int written = header.length;
		int lineNumber = 0;
		StringBuilder line = new StringBuilder(80);
		while (written < size) {
			int length = Math.min(78, Math.max(0, size - written - 2));
			line.setLength(0);
			for (int i = 0; i < length; i++) {
				line.append(ALPHABET.charAt((lineNumber * 7 + i) % ALPHABET.length()));
			}
			if (lineNumber % 10 == 9 && length > 0) {
				line.setCharAt(0, '.');
				out.write('.');
			}
			line.append("\r\n");
			out.writeBytes(line.toString().getBytes(StandardCharsets.US_ASCII));
			written += line.length();
			lineNumber++;
		}
		return out.toByteArray();
	}

}
