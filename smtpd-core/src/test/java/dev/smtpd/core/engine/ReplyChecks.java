package dev.smtpd.core.engine;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What a client may expect of the server's output (RFC 5321 §4.2): replies only, each
 * line a three-digit code from 2xx to 5xx, a space or a hyphen, printable text and CRLF,
 * at most 512 octets with the CRLF (§4.5.3.1.5); the lines of a multiline reply share
 * their code and only the last has a space.
 */
final class ReplyChecks {

	static final int MAX_REPLY_LINE = 512;

	private ReplyChecks() {
	}

	/**
	 * Fails unless {@code output} is a sequence of complete, well-formed replies.
	 * @param output every byte the server wrote
	 */
	static void assertWellFormed(byte[] output) {
		String all = new String(output, StandardCharsets.ISO_8859_1);
		int start = 0;
		String continuing = null;
		while (start < output.length) {
			int crlf = all.indexOf("\r\n", start);
			assertThat(crlf).as("a reply line ends with CRLF: %s", all.substring(start)).isGreaterThanOrEqualTo(0);
			String line = all.substring(start, crlf);
			assertThat(line.length() + 2).as("octets of reply line %s", line).isLessThanOrEqualTo(MAX_REPLY_LINE);
			assertThat(line).as("reply line").matches("[2-5][0-5][0-9]([ -][\\x20-\\x7e]*)?");
			String code = line.substring(0, 3);
			if (continuing != null) {
				assertThat(code).as("code of a continuation line %s", line).isEqualTo(continuing);
			}
			continuing = (line.length() > 3 && line.charAt(3) == '-') ? code : null;
			start = crlf + 2;
		}
		assertThat(continuing).as("the last reply is complete").isNull();
	}

}
