package dev.smtpd.core.engine;

import dev.smtpd.core.handler.BodyType;
import dev.smtpd.core.handler.MailOptions;
import dev.smtpd.core.handler.RcptOptions;
import dev.smtpd.core.handler.SmtpException;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.entry;

/**
 * Tests for {@link ArgumentParser}.
 */
@Tag("transport-independent")
class ArgumentParserTests {

	private final ArgumentParser parser = new ArgumentParser(false, 0, 0);

	private final ArgumentParser utf8Parser = new ArgumentParser(true, 0, 0);

	@ParameterizedTest
	@CsvSource(delimiter = '|',
			value = { "FROM:<a@example.com>                             | a@example.com",
					"from:<a@example.com>                             | a@example.com",
					"From: <a@example.com>                            | a@example.com",
					"FROM:<>                                          | ''",
					"FROM: <>                                         | ''",
					"FROM:<first.last+tag@sub.example.com>            | first.last+tag@sub.example.com",
					"FROM:<a@localhost>                               | a@localhost",
					"FROM:<a@x-1.123.example>                         | a@x-1.123.example",
					"FROM:<\"john doe\"@example.com>                  | \"john doe\"@example.com",
					"FROM:<\"john..doe\"@example.com>                 | \"john..doe\"@example.com",
					"FROM:<\"john \\\"q\\\" doe\"@example.com>        | \"john \\\"q\\\" doe\"@example.com",
					"FROM:<\"a@b>c\"@example.com>                     | \"a@b>c\"@example.com",
					"FROM:<\"\"@example.com>                          | \"\"@example.com",
					"FROM:<a@[192.0.2.1]>                             | a@[192.0.2.1]",
					"FROM:<a@[IPv6:2001:db8::1]>                      | a@[IPv6:2001:db8::1]",
					"FROM:<a@[ipv6:::1]>                              | a@[ipv6:::1]",
					"FROM:<a@[IPv6:1:2:3:4:5:6:7:8]>                  | a@[IPv6:1:2:3:4:5:6:7:8]",
					"FROM:<a@[IPv6:::ffff:192.0.2.1]>                 | a@[IPv6:::ffff:192.0.2.1]",
					"FROM:<a@[IPv6:1:2:3:4:5:6:192.0.2.1]>            | a@[IPv6:1:2:3:4:5:6:192.0.2.1]",
					"FROM:<a@[x-tag:any-content]>                     | a@[x-tag:any-content]",
					"FROM:<@relay.example:a@example.com>              | a@example.com",
					"FROM:<@relay.example,@[192.0.2.1]:a@example.com> | a@example.com", })
	void validReversePathIsParsed(String argument, String address) {
		MailArgument mail = this.parser.parseMail(argument);
		assertThat(mail.address()).isEqualTo(address);
		assertThat(mail.options()).isEqualTo(MailOptions.NONE);
	}

	@Test
	void everyAtextCharacterIsAllowedInLocalPart() {
		String local = "!#$%&'*+-/=?^_`{|}~09AZaz";
		assertThat(this.parser.parseMail("FROM:<" + local + "@example.com>").address())
			.isEqualTo(local + "@example.com");
	}

	@ParameterizedTest
	@CsvSource(delimiter = '|', value = { "TO:<b@example.com>                | b@example.com",
			"to:<b@example.com>                | b@example.com", "To: <b@example.com>               | b@example.com",
			"TO:<postmaster>                   | postmaster", "TO:<PostMaster>                   | PostMaster",
			"TO:<postmaster@example.com>       | postmaster@example.com",
			"TO:<@relay.example:b@example.com> | b@example.com",
			"TO:<\"b c\"@[192.0.2.1]>          | \"b c\"@[192.0.2.1]", })
	void validForwardPathIsParsed(String argument, String address) {
		RcptArgument rcpt = this.parser.parseRcpt(argument, false);
		assertThat(rcpt.address()).isEqualTo(address);
		assertThat(rcpt.options()).isEqualTo(RcptOptions.NONE);
	}

	@ParameterizedTest
	@CsvSource(delimiter = '|',
			value = { "''                                      | 501 | 5.5.4",
					"FROM                                    | 501 | 5.5.4",
					"FROM:                                   | 501 | 5.5.4",
					"<a@example.com>                         | 501 | 5.5.4",
					"TO:<a@example.com>                      | 501 | 5.5.4",
					"FROM :<a@example.com>                   | 501 | 5.5.4",
					"FROM:  <a@example.com>                  | 501 | 5.5.4",
					"FROM:a@example.com                      | 501 | 5.5.4",
					"FROM:<a@example.com                     | 501 | 5.5.4",
					"FROM:a@example.com>                     | 501 | 5.5.4",
					"FROM:<a@example.com>garbage             | 501 | 5.5.4",
					"FROM:<a@example.com>>                   | 501 | 5.5.4",
					"FROM:<\"a@example.com>                  | 501 | 5.5.4",
					"FROM:<a..b@example.com>                 | 501 | 5.1.7",
					"FROM:<.a@example.com>                   | 501 | 5.1.7",
					"FROM:<a.@example.com>                   | 501 | 5.1.7",
					"FROM:<a b@example.com>                  | 501 | 5.1.7",
					"FROM:<a\"b@example.com>                 | 501 | 5.1.7",
					"FROM:<<a@example.com>>                  | 501 | 5.5.4",
					"FROM:<<a@example.com>                   | 501 | 5.1.7",
					"FROM:<\"a\"b@example.com>               | 501 | 5.1.7",
					"FROM:<a>                                | 501 | 5.1.7",
					"FROM:<postmaster>                       | 501 | 5.1.7",
					"FROM:<@>                                | 501 | 5.1.7",
					"FROM:<a@>                               | 501 | 5.1.7",
					"FROM:<@example.com>                     | 501 | 5.1.7",
					"FROM:<a@@example.com>                   | 501 | 5.1.7",
					"FROM:<a@example.com@example.com>        | 501 | 5.1.7",
					"FROM:<a@example..com>                   | 501 | 5.1.7",
					"FROM:<a@.example.com>                   | 501 | 5.1.7",
					"FROM:<a@example.com.>                   | 501 | 5.1.7",
					"FROM:<a@-example.com>                   | 501 | 5.1.7",
					"FROM:<a@example-.com>                   | 501 | 5.1.7",
					"FROM:<a@ex_ample.com>                   | 501 | 5.1.7",
					"FROM:<a@[]>                             | 501 | 5.1.7",
					"FROM:<a@[192.0.2.1>                     | 501 | 5.1.7",
					"FROM:<a@[300.0.2.1]>                    | 501 | 5.1.7",
					"FROM:<a@[192.0.2]>                      | 501 | 5.1.7",
					"FROM:<a@[192.0.2.1.5]>                  | 501 | 5.1.7",
					"FROM:<a@[1234.0.2.1]>                   | 501 | 5.1.7",
					"FROM:<a@[IPv6:1::2::3]>                 | 501 | 5.1.7",
					"FROM:<a@[IPv6:1:2:3:4:5:6:7]>           | 501 | 5.1.7",
					"FROM:<a@[IPv6:1:2:3:4:5:6:7:8:9]>       | 501 | 5.1.7",
					"FROM:<a@[IPv6:1:2:3:4:5:6:7::8]>        | 501 | 5.1.7",
					"FROM:<a@[IPv6:12345::1]>                | 501 | 5.1.7",
					"FROM:<a@[IPv6:1:]>                      | 501 | 5.1.7",
					"FROM:<a@[IPv6::1]>                      | 501 | 5.1.7",
					"FROM:<a@[IPv6:g::1]>                    | 501 | 5.1.7",
					"FROM:<a@[IPv6:1:2:3:4:5:6:7:192.0.2.1]> | 501 | 5.1.7",
					"FROM:<a@[x-tag:]>                       | 501 | 5.1.7",
					"FROM:<a@[x-:content]>                   | 501 | 5.1.7",
					"FROM:<@relay.example>                   | 501 | 5.1.7",
					"FROM:<@relay.example:>                  | 501 | 5.1.7",
					"FROM:<@relay.example,a@example.com>     | 501 | 5.1.7",
					"FROM:<@relay..example:a@example.com>    | 501 | 5.1.7", })
	void invalidReversePathIsRefused(String argument, int code, String status) {
		assertReply(() -> this.parser.parseMail(argument), code, status);
	}

	@ParameterizedTest
	@CsvSource(delimiter = '|',
			value = { "TO:<>                  | 501 | 5.1.3", "TO: <>                 | 501 | 5.1.3",
					"TO:b@example.com       | 501 | 5.5.4", "FROM:<b@example.com>   | 501 | 5.5.4",
					"TO:<b@example.com      | 501 | 5.5.4", "TO:<b@example.com>x    | 501 | 5.5.4",
					"TO:<b..c@example.com>  | 501 | 5.1.3", "TO:<@>                 | 501 | 5.1.3",
					"TO:<b@>                | 501 | 5.1.3", "TO:<postmaster@>       | 501 | 5.1.3",
					"TO:<postmasters>       | 501 | 5.1.3", "TO:<@relay.example:>   | 501 | 5.1.3", })
	void invalidForwardPathIsRefused(String argument, int code, String status) {
		assertReply(() -> this.parser.parseRcpt(argument, false), code, status);
	}

	@Test
	void pathOfAtMost256OctetsIsAccepted() {
		String mailbox = "l".repeat(64) + "@" + "a".repeat(63) + "." + "b".repeat(63) + "." + "c".repeat(61);
		assertThat(mailbox).hasSize(254);
		assertThat(this.parser.parseMail("FROM:<" + mailbox + ">").address()).isEqualTo(mailbox);
		assertThat(this.parser.parseRcpt("TO:<" + mailbox + ">", false).address()).isEqualTo(mailbox);
	}

	@Test
	void pathOfMoreThan256OctetsIsRefused() {
		String mailbox = "l".repeat(65) + "@" + "a".repeat(63) + "." + "b".repeat(63) + "." + "c".repeat(61);
		assertReply(() -> this.parser.parseMail("FROM:<" + mailbox + ">"), 501, "5.1.7");
		assertReply(() -> this.parser.parseRcpt("TO:<" + mailbox + ">", false), 501, "5.1.3");
	}

	@Test
	void pathLengthIsCountedInUtf8Octets() {
		String mailbox = "\u00e9".repeat(64) + "@" + "a".repeat(63) + "." + "b".repeat(63);
		assertThat(mailbox).hasSizeLessThan(254);
		assertReply(() -> this.utf8Parser.parseMail("FROM:<" + mailbox + "> SMTPUTF8"), 501, "5.1.7");
	}

	@Test
	void labelLongerThan63IsRefused() {
		assertThat(this.parser.parseMail("FROM:<a@" + "x".repeat(63) + ".example>").address()).endsWith(".example");
		assertReply(() -> this.parser.parseMail("FROM:<a@" + "x".repeat(64) + ".example>"), 501, "5.1.7");
	}

	@Test
	void sizeBodyAndSmtputf8AreTyped() {
		MailArgument mail = this.utf8Parser.parseMail("FROM:<a@example.com> SIZE=100 BODY=8BITMIME SMTPUTF8");
		assertThat(mail.address()).isEqualTo("a@example.com");
		assertThat(mail.options().size()).isEqualTo(100L);
		assertThat(mail.options().body()).isEqualTo(BodyType.EIGHT_BIT_MIME);
		assertThat(mail.options().smtputf8()).isTrue();
		assertThat(mail.options().parameters()).containsExactly(entry("SIZE", "100"), entry("BODY", "8BITMIME"),
				entry("SMTPUTF8", null));
	}

	@Test
	void keywordsAreUpperCasedAndKeptInOrder() {
		MailArgument mail = this.utf8Parser.parseMail("FROM:<> body=8bitmime   smtputf8 Size=5");
		assertThat(mail.address()).isEmpty();
		assertThat(mail.options().parameters()).containsExactly(entry("BODY", "8bitmime"), entry("SMTPUTF8", null),
				entry("SIZE", "5"));
		assertThat(mail.options().body()).isEqualTo(BodyType.EIGHT_BIT_MIME);
		assertThat(mail.options().size()).isEqualTo(5L);
	}

	@ParameterizedTest
	@CsvSource(delimiter = '|', value = { "BODY=7BIT     | SEVEN_BIT", "BODY=7bit     | SEVEN_BIT",
			"BODY=8BITMIME | EIGHT_BIT_MIME", "body=8BitMime | EIGHT_BIT_MIME", })
	void bodyValueIsCaseInsensitive(String parameter, BodyType body) {
		assertThat(this.parser.parseMail("FROM:<a@example.com> " + parameter).options().body()).isEqualTo(body);
	}

	@Test
	void sizeWithinTheLimitIsAccepted() {
		ArgumentParser limited = new ArgumentParser(false, 1000, 0);
		assertThat(limited.parseMail("FROM:<a@example.com> SIZE=1000").options().size()).isEqualTo(1000L);
		assertThat(limited.parseMail("FROM:<a@example.com> SIZE=0").options().size()).isZero();
	}

	@Test
	void sizeOverTheLimitGets552() {
		ArgumentParser limited = new ArgumentParser(false, 1000, 0);
		assertReply(() -> limited.parseMail("FROM:<a@example.com> SIZE=1001"), 552, "5.3.4");
		assertReply(() -> limited.parseMail("FROM:<a@example.com> SIZE=99999999999999999999"), 552, "5.3.4");
	}

	@Test
	void sizeOfTwentyDigitsIsCappedWithoutLimit() {
		assertThat(this.parser.parseMail("FROM:<a@example.com> SIZE=99999999999999999999").options().size())
			.isEqualTo(Long.MAX_VALUE);
		assertThat(this.parser.parseMail("FROM:<a@example.com> SIZE=9223372036854775807").options().size())
			.isEqualTo(Long.MAX_VALUE);
		assertThat(this.parser.parseMail("FROM:<a@example.com> SIZE=00000000000000000042").options().size())
			.isEqualTo(42L);
	}

	@ParameterizedTest
	@CsvSource(delimiter = '|',
			value = { "SIZE=abc                    | 501 | 5.5.4", "SIZE                        | 501 | 5.5.4",
					"SIZE=                       | 501 | 5.5.4", "SIZE=-1                     | 501 | 5.5.4",
					"SIZE=1.5                    | 501 | 5.5.4", "SIZE=999999999999999999999  | 501 | 5.5.4",
					"SIZE=1 SIZE=2               | 501 | 5.5.4", "size=1 SIZE=1               | 501 | 5.5.4",
					"BODY=BINARYMIME             | 501 | 5.5.4", "BODY=7BITS                  | 501 | 5.5.4",
					"BODY                        | 501 | 5.5.4", "BODY=7BIT BODY=7BIT         | 501 | 5.5.4",
					"SMTPUTF8=YES                | 501 | 5.5.4", "SMTPUTF8 SMTPUTF8           | 501 | 5.5.4",
					"=BAR                        | 501 | 5.5.4", "-FOO                        | 501 | 5.5.4",
					"FOO=A=B                     | 501 | 5.5.4", "FOO==1                      | 501 | 5.5.4",
					"F_O                         | 501 | 5.5.4", "FOO=1 FOO=2                 | 501 | 5.5.4",
					"FOO=1 BAR=                  | 501 | 5.5.4", "FOO=BAR                     | 555 | 5.5.4",
					"X-FOO                       | 555 | 5.5.4", "SIZE=1 AUTH=<>              | 555 | 5.5.4",
					"FOO SIZE=abc                | 555 | 5.5.4", })
	void badMailParameterIsRefused(String parameters, int code, String status) {
		assertReply(() -> this.utf8Parser.parseMail("FROM:<a@example.com> " + parameters), code, status);
	}

	@Test
	void smtputf8IsUnknownWhenDisabled() {
		assertReply(() -> this.parser.parseMail("FROM:<a@example.com> SMTPUTF8"), 555, "5.5.4");
	}

	@ParameterizedTest
	@CsvSource(delimiter = '|', value = { "NOTIFY=NEVER     | 555 | 5.5.4", "ORCPT=rfc822;b@x | 555 | 5.5.4",
			"FOO              | 555 | 5.5.4", "SIZE=1           | 555 | 5.5.4", "=FOO             | 501 | 5.5.4",
			"FOO=             | 501 | 5.5.4", "FOO FOO          | 501 | 5.5.4", })
	void anyRcptParameterIsRefused(String parameters, int code, String status) {
		assertReply(() -> this.utf8Parser.parseRcpt("TO:<b@example.com> " + parameters, true), code, status);
	}

	@Test
	void trailingSpacesAreNotParameters() {
		assertThat(this.parser.parseMail("FROM:<a@example.com>  ").options()).isEqualTo(MailOptions.NONE);
		assertThat(this.parser.parseRcpt("TO:<b@example.com> ", false).options()).isEqualTo(RcptOptions.NONE);
	}

	@ParameterizedTest
	@ValueSource(strings = { "j\u00f6rg@example.com", "a@b\u00fccher.example", "\u7528\u6237@\u4f8b\u5b50.\u5e7f\u544a",
			"\"j\u00f6 rg\"@example.com", "\ud83d\ude00@example.com" })
	void nonAsciiAddressIsAcceptedWithSmtputf8(String address) {
		assertThat(this.utf8Parser.parseMail("FROM:<" + address + "> SMTPUTF8").address()).isEqualTo(address);
		assertThat(this.utf8Parser.parseRcpt("TO:<" + address + ">", true).address()).isEqualTo(address);
	}

	@ParameterizedTest
	@ValueSource(strings = { "j\u00f6rg@example.com", "a@b\u00fccher.example", "\"j\u00f6 rg\"@example.com" })
	void nonAsciiAddressIsRefusedWithoutSmtputf8(String address) {
		assertReply(() -> this.utf8Parser.parseMail("FROM:<" + address + ">"), 553, "5.6.7");
		assertReply(() -> this.utf8Parser.parseRcpt("TO:<" + address + ">", false), 553, "5.6.7");
		assertReply(() -> this.parser.parseMail("FROM:<" + address + ">"), 553, "5.6.7");
		assertReply(() -> this.parser.parseRcpt("TO:<" + address + ">", true), 553, "5.6.7");
	}

	@ParameterizedTest
	@ValueSource(strings = { "j\u00a0rg@example.com", "j\u0085rg@example.com", "a@[192.0.2.\u00b9]",
			"a@[IPv6:\u0661::1]", "a@[x-tag:\u00fc]", "\"a\\\u00fc\"@example.com" })
	void nonAsciiOutsideItsPlaceIsMalformed(String address) {
		assertReply(() -> this.utf8Parser.parseMail("FROM:<" + address + "> SMTPUTF8"), 501, "5.1.7");
	}

	@Test
	void nonAsciiParameterValueIsRefused() {
		assertReply(() -> this.utf8Parser.parseMail("FROM:<a@example.com> BODY=\u00fc"), 501, "5.5.4");
		assertReply(() -> this.utf8Parser.parseMail("FROM:<a@example.com> SMTPUTF8 BODY=\u00fc"), 501, "5.5.4");
	}

	@Test
	void localPartWithinTheLimitIsAccepted() {
		ArgumentParser limited = new ArgumentParser(false, 0, 5);
		assertThat(limited.parseMail("FROM:<abcde@example.com>").address()).isEqualTo("abcde@example.com");
		assertThat(limited.parseRcpt("TO:<abcde@example.com>", false).address()).isEqualTo("abcde@example.com");
		assertThat(limited.parseMail("FROM:<>").address()).isEmpty();
		assertThat(limited.parseRcpt("TO:<postmaster>", false).address()).isEqualTo("postmaster");
	}

	@Test
	void localPartOverTheLimitGets553() {
		ArgumentParser limited = new ArgumentParser(false, 0, 5);
		assertReply(() -> limited.parseMail("FROM:<abcdef@example.com>"), 553, "5.1.7");
		assertReply(() -> limited.parseRcpt("TO:<abcdef@example.com>", false), 553, "5.1.1");
		assertReply(() -> limited.parseRcpt("TO:<\"abcd\"@example.com>", false), 553, "5.1.1");
	}

	@Test
	void localPartLimitCountsUtf8Octets() {
		ArgumentParser limited = new ArgumentParser(true, 0, 5);
		assertThat(limited.parseMail("FROM:<j\u00f6rg@example.com> SMTPUTF8").address()).startsWith("j");
		assertReply(() -> limited.parseMail("FROM:<j\u00f6rgx@example.com> SMTPUTF8"), 553, "5.1.7");
	}

	@Test
	void replyTextNeverEchoesClientInput() {
		assertThatExceptionOfType(SmtpException.class)
			.isThrownBy(() -> this.parser.parseMail("FROM:<EVIL..@example.com> EVIL=1"))
			.satisfies((ex) -> assertThat(ex.getReply().lines()).noneMatch((line) -> line.contains("EVIL")));
		assertThatExceptionOfType(SmtpException.class)
			.isThrownBy(() -> this.parser.parseMail("FROM:<a@example.com> EVIL=1"))
			.satisfies((ex) -> assertThat(ex.getReply().lines()).noneMatch((line) -> line.contains("EVIL")));
	}

	@ParameterizedTest
	@ValueSource(strings = { "example.com", "localhost", "a-b.example", "1.example", "xn--bcher-kva.example",
			"EXAMPLE.COM", "[192.0.2.1]", "[IPv6:::1]", "[IPv6:2001:db8:0:0:0:0:0:1]", "[x-tag:foo]" })
	void validDomainIsAccepted(String domain) {
		assertThat(AddressSyntax.isValidDomain(domain)).isTrue();
	}

	@ParameterizedTest
	@ValueSource(strings = { "", " ", "-a.example", "a-.example", "a..example", ".example", "example.",
			"b\u00fccher.example", "ex ample", "a_b.example", "[192.0.2.1", "192.0.2.1]", "[]", "[IPv6:::1:]",
			"a@example", "example.com x" })
	void invalidDomainIsRefused(String domain) {
		assertThat(AddressSyntax.isValidDomain(domain)).isFalse();
	}

	@Test
	void domainLengthIsLimited() {
		String label = "x".repeat(63);
		String domain = label + "." + label + "." + label + "." + "y".repeat(63);
		assertThat(domain).hasSize(255);
		assertThat(AddressSyntax.isValidDomain(domain)).isTrue();
		assertThat(AddressSyntax.isValidDomain(domain + "y")).isFalse();
		assertThat(AddressSyntax.isValidDomain("x".repeat(64))).isFalse();
		assertThat(AddressSyntax.isValidDomain(null)).isFalse();
	}

	private static void assertReply(ThrowingCallable call, int code, String status) {
		assertThatExceptionOfType(SmtpException.class).isThrownBy(call).satisfies((ex) -> {
			assertThat(ex.getReply().code()).isEqualTo(code);
			assertThat(ex.getReply().status()).hasToString(status);
		});
	}

}
