package dev.smtpd.core.engine;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.DictionaryFile;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.smtpd.core.Protocol;
import org.junit.jupiter.api.Tag;

/**
 * Coverage-guided fuzzing of the framer ({@link SmtpFrameDecoder}) through the real
 * pipeline, in command mode, in DATA and in BDAT chunks, with the input split at offsets
 * the fuzzer picks ({@link FuzzSession} checks the invariants). In {@code mvn verify}
 * each method runs once per committed input under
 * {@code FramerFuzzTestsInputs/<method>/}; {@code scripts/fuzz.sh} fuzzes one for as long
 * as asked.
 */
@Tag("transport-independent")
class FramerFuzzTests {

	static final String ENVELOPE = "EHLO client.example\r\nMAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.com>\r\n";

	@FuzzTest
	@DictionaryFile(resourcePath = "/dev/smtpd/core/engine/smtp-commands.dict")
	void commandMode(FuzzedDataProvider data) {
		new FuzzSession((builder) -> {
		}).run(data, "", "QUIT\r\n");
	}

	/**
	 * Command mode under LMTP (RFC 2033), with the settings that change what commands do
	 * picked by the fuzzer: per-recipient replies to the final dot and to BDAT LAST.
	 */
	@FuzzTest
	@DictionaryFile(resourcePath = "/dev/smtpd/core/engine/smtp-commands.dict")
	void lmtpMode(FuzzedDataProvider data) {
		new FuzzSession((builder) -> builder.protocol(Protocol.LMTP)
			.authRequired(data.consumeBoolean())
			.chunking(data.consumeBoolean())
			.dsn(data.consumeBoolean())
			.smtputf8(data.consumeBoolean())).run(data, "", "QUIT\r\n");
	}

	@FuzzTest
	@DictionaryFile(resourcePath = "/dev/smtpd/core/engine/smtp-data.dict")
	void dataMode(FuzzedDataProvider data) {
		new FuzzSession((builder) -> {
		}).run(data, ENVELOPE + "DATA\r\n", "\r\n.\r\nQUIT\r\n");
	}

	/**
	 * BDAT commands whose declared sizes the fuzzer picks, each followed by as many bytes
	 * as it likes (more, fewer or exactly as many as declared), then the whole split at
	 * its offsets.
	 */
	@FuzzTest
	void chunkMode(FuzzedDataProvider data) {
		FuzzSession session = new FuzzSession((builder) -> builder.binarymime(data.consumeBoolean()));
		int[] cuts = new int[data.consumeInt(0, 8)];
		for (int i = 0; i < cuts.length; i++) {
			cuts[i] = data.consumeInt(0, 1 << 16);
		}
		ByteArrayOutputStream body = new ByteArrayOutputStream();
		int chunks = data.consumeInt(1, 6);
		for (int i = 0; i < chunks && data.remainingBytes() > 0; i++) {
			String size = data.consumeBoolean() ? Integer.toString(data.consumeInt(0, 20_000))
					: data.consumeAsciiString(12);
			String command = "BDAT " + size + (data.consumeBoolean() ? " LAST" : "") + "\r\n";
			body.writeBytes(command.getBytes(StandardCharsets.US_ASCII));
			body.writeBytes(data.consumeBytes(data.consumeInt(0, 20_000)));
		}
		body.writeBytes(data.consumeRemainingAsBytes());
		session.send(ENVELOPE.getBytes(StandardCharsets.US_ASCII));
		session.sendInPieces(body.toByteArray(), cuts);
		session.send("QUIT\r\n".getBytes(StandardCharsets.US_ASCII));
		session.finish();
	}

}
