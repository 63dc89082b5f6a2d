package dev.smtpd.core.engine;

import java.util.Set;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.DictionaryFile;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.smtpd.core.handler.SmtpException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Tag;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Coverage-guided fuzzing of the MAIL and RCPT argument parsers ({@link ArgumentParser},
 * {@link AddressSyntax}, {@link DsnParameters}) on strings: a refusal is an
 * {@link SmtpException} with a well-formed 501, 552, 553 or 555 reply, never another
 * exception; what is accepted keeps to the limits (path length, SIZE, local part) and
 * parses again the same way; scanners stay within their range.
 */
@Tag("transport-independent")
class ArgumentParserFuzzTests {

	private static final Set<Integer> REFUSALS = Set.of(501, 552, 553, 555);

	@FuzzTest
	@DictionaryFile(resourcePath = "/dev/smtpd/core/engine/smtp-arguments.dict")
	void mailAndRcpt(FuzzedDataProvider data) {
		boolean smtputf8 = data.consumeBoolean();
		boolean dsn = data.consumeBoolean();
		long sizeLimit = data.consumeBoolean() ? 0 : data.consumeLong(1, Long.MAX_VALUE);
		int localPartLimit = data.consumeBoolean() ? 0 : data.consumeInt(1, 100);
		boolean rcpt = data.consumeBoolean();
		boolean utf8Transaction = data.consumeBoolean();
		String argument = data.consumeRemainingAsString();
		ArgumentParser parser = new ArgumentParser(smtputf8, dsn, sizeLimit, localPartLimit);
		try {
			if (rcpt) {
				RcptArgument parsed = parser.parseRcpt(argument, utf8Transaction);
				assertThat(parsed.address()).isNotEmpty();
				assertAddressWithinLimits(parsed.address(), localPartLimit);
				assertThat(parser.parseRcpt("TO:<" + parsed.address() + ">", utf8Transaction).address())
					.as("the accepted address parses again")
					.isEqualTo(parsed.address());
			}
			else {
				MailArgument parsed = parser.parseMail(argument);
				assertAddressWithinLimits(parsed.address(), localPartLimit);
				Long size = parsed.options().size();
				if (size != null && sizeLimit > 0) {
					assertThat(size).as("declared SIZE").isLessThanOrEqualTo(sizeLimit);
				}
			}
		}
		catch (SmtpException ex) {
			assertThat(REFUSALS).as("refusal code").contains(ex.getReply().code());
			ByteBuf out = Unpooled.buffer();
			ReplyEncoder.encode(ex.getReply(), out);
			byte[] bytes = new byte[out.readableBytes()];
			out.readBytes(bytes);
			ReplyChecks.assertWellFormed(bytes);
		}
	}

	private static void assertAddressWithinLimits(String address, int localPartLimit) {
		assertThat(AddressSyntax.utf8Length(address, 0, address.length())).as("path octets").isLessThanOrEqualTo(256);
		// the local part ends where its syntax does: an address literal may hold '@' too
		int at = AddressSyntax.scanLocalPart(address, 0, address.length());
		// "postmaster" alone (RFC 5321 §4.5.1) is accepted whatever the limit
		if (localPartLimit > 0 && at > 0 && at < address.length()) {
			assertThat(AddressSyntax.utf8Length(address, 0, at)).as("local part octets")
				.isLessThanOrEqualTo(localPartLimit);
		}
	}

	@FuzzTest
	void dsnValues(FuzzedDataProvider data) {
		boolean utf8 = data.consumeBoolean();
		int which = data.consumeInt(0, 4);
		String value = data.consumeRemainingAsString();
		try {
			switch (which) {
				case 0 -> DsnParameters.parseRet(value);
				case 1 -> assertThat(DsnParameters.parseEnvelopeId(value)).isNotNull();
				case 2 -> assertThat(DsnParameters.parseNotify(value)).isNotEmpty();
				case 3 -> assertThat(DsnParameters.parseOriginalRecipient(value, utf8)).isNotNull();
				default -> DsnParameters.decodeXtext(value, 0, value.length(), utf8);
			}
		}
		catch (SmtpException ex) {
			assertThat(ex.getReply().code()).isEqualTo(501);
		}
	}

	@FuzzTest
	void addressSyntax(FuzzedDataProvider data) {
		boolean nonAscii = data.consumeBoolean();
		String s = data.consumeRemainingAsString();
		int end = s.length();
		int local = AddressSyntax.scanLocalPart(s, 0, end);
		assertThat(local).isBetween(-1, end);
		int domain = AddressSyntax.scanDomain(s, 0, end, nonAscii);
		assertThat(domain).isBetween(-1, end);
		if (AddressSyntax.isValidDomain(s)) {
			assertThat(domain).isEqualTo(end);
		}
		AddressSyntax.isAddressLiteral(s, 0, end);
		AddressSyntax.isIpv4(s, 0, end);
		AddressSyntax.isIpv6(s, 0, end);
		assertThat(AddressSyntax.utf8Length(s, 0, end)).isBetween(end, 3 * end);
	}

}
