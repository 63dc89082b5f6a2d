package dev.smtpd.core.engine;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.jupiter.api.Tag;

/**
 * Coverage-guided fuzzing of the AUTH exchange ({@link SaslDriver} with PLAIN and LOGIN)
 * through the real pipeline: the fuzzer picks the mechanism, whether there is an initial
 * response, and each response line, either as base64 of bytes it chooses (so the
 * mechanisms see arbitrary credentials, NULs included) or as raw text (so the base64
 * decoding sees anything); a transaction follows to check the session goes on.
 * {@link FuzzSession} checks the invariants.
 */
@Tag("transport-independent")
class SaslFuzzTests {

	private static final String[] MECHANISMS = { "PLAIN", "LOGIN", "plain", "login", "CRAM-MD5", "" };

	@FuzzTest
	void authExchange(FuzzedDataProvider data) {
		FuzzSession session = new FuzzSession((builder) -> builder.authMaxFailures(data.consumeInt(0, 3)));
		int[] cuts = new int[data.consumeInt(0, 4)];
		for (int i = 0; i < cuts.length; i++) {
			cuts[i] = data.consumeInt(0, 4096);
		}
		ByteArrayOutputStream input = new ByteArrayOutputStream();
		write(input, "EHLO client.example\r\n");
		int exchanges = data.consumeInt(1, 3);
		for (int e = 0; e < exchanges; e++) {
			String command = "AUTH " + data.pickValue(MECHANISMS);
			if (data.consumeBoolean()) {
				command += " " + response(data);
			}
			write(input, command + "\r\n");
			int lines = data.consumeInt(0, 3);
			for (int i = 0; i < lines; i++) {
				write(input, response(data) + "\r\n");
			}
		}
		write(input, FramerFuzzTests.ENVELOPE.substring("EHLO client.example\r\n".length()));
		write(input, "DATA\r\nSubject: after AUTH\r\n\r\n.\r\nQUIT\r\n");
		session.send(new byte[0]);
		session.sendInPieces(input.toByteArray(), cuts);
		session.finish();
	}

	/** A response line: base64 of chosen bytes, the right credentials, or raw text. */
	private static String response(FuzzedDataProvider data) {
		return switch (data.consumeInt(0, 4)) {
			case 0 -> Base64.getEncoder().encodeToString(data.consumeBytes(data.consumeInt(0, 600)));
			case 1 -> Base64.getEncoder()
				.encodeToString(
						("\0" + FuzzSession.LOGIN + "\0" + FuzzSession.PASSWORD).getBytes(StandardCharsets.UTF_8));
			case 2 -> Base64.getEncoder()
				.encodeToString((data.consumeBoolean() ? FuzzSession.LOGIN : FuzzSession.PASSWORD)
					.getBytes(StandardCharsets.UTF_8));
			case 3 -> "*";
			default -> data.consumeAsciiString(data.consumeInt(0, 700)).replace("\r\n", "");
		};
	}

	private static void write(ByteArrayOutputStream out, String text) {
		out.writeBytes(text.getBytes(StandardCharsets.ISO_8859_1));
	}

}
