package dev.smtpd.core.engine;

import java.util.Arrays;

import dev.smtpd.core.handler.BodyType;
import dev.smtpd.core.handler.DsnNotify;
import dev.smtpd.core.handler.DsnReturn;
import dev.smtpd.core.handler.MailOptions;
import dev.smtpd.core.handler.OriginalRecipient;
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

	private final ArgumentParser parser = new ArgumentParser(false, true, 0, 0);

	private final ArgumentParser utf8Parser = new ArgumentParser(true, true, 0, 0);

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
		ArgumentParser limited = new ArgumentParser(false, true, 1000, 0);
		assertThat(limited.parseMail("FROM:<a@example.com> SIZE=1000").options().size()).isEqualTo(1000L);
		assertThat(limited.parseMail("FROM:<a@example.com> SIZE=0").options().size()).isZero();
	}

	@Test
	void sizeOverTheLimitGets552() {
		ArgumentParser limited = new ArgumentParser(false, true, 1000, 0);
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
					"BODY=7BITS                  | 501 | 5.5.4", "BODY                        | 501 | 5.5.4",
					"BODY=7BIT BODY=7BIT         | 501 | 5.5.4", "SMTPUTF8=YES                | 501 | 5.5.4",
					"SMTPUTF8 SMTPUTF8           | 501 | 5.5.4", "=BAR                        | 501 | 5.5.4",
					"-FOO                        | 501 | 5.5.4", "FOO=A=B                     | 501 | 5.5.4",
					"FOO==1                      | 501 | 5.5.4", "F_O                         | 501 | 5.5.4",
					"FOO=1 FOO=2                 | 501 | 5.5.4", "FOO=1 BAR=                  | 501 | 5.5.4",
					"FOO=BAR                     | 555 | 5.5.4", "X-FOO                       | 555 | 5.5.4",
					"SIZE=1 AUTH=<>              | 555 | 5.5.4", "FOO SIZE=abc                | 555 | 5.5.4", })
	void badMailParameterIsRefused(String parameters, int code, String status) {
		assertReply(() -> this.utf8Parser.parseMail("FROM:<a@example.com> " + parameters), code, status);
	}

	@Test
	void smtputf8IsUnknownWhenDisabled() {
		assertReply(() -> this.parser.parseMail("FROM:<a@example.com> SMTPUTF8"), 555, "5.5.4");
	}

	@ParameterizedTest
	@CsvSource(delimiter = '|',
			value = { "FOO              | 555 | 5.5.4", "SIZE=1           | 555 | 5.5.4",
					"SMTPUTF8         | 555 | 5.5.4", "=FOO             | 501 | 5.5.4",
					"FOO=             | 501 | 5.5.4", "FOO FOO          | 501 | 5.5.4", })
	void unknownRcptParameterIsRefused(String parameters, int code, String status) {
		assertReply(() -> this.utf8Parser.parseRcpt("TO:<b@example.com> " + parameters, true), code, status);
	}

	@ParameterizedTest
	@CsvSource(delimiter = '|',
			value = { "RET=FULL                   | FULL |", "ret=hdrs                   | HDRS |",
					"Ret=Full                   | FULL |", "ENVID=QQ314159             |      | QQ314159",
					"ENVID=a+2Bb+3Dc            |      | a+b=c", "envid=a+2bb                |      | a+b",
					"ENVID=+20x+7E              |      | ' x~'", "RET=HDRS ENVID=id-1@host.x | HDRS | id-1@host.x",
					"SIZE=5 ENVID=1 RET=FULL    | FULL | 1", })
	void dsnMailParametersAreTyped(String parameters, DsnReturn ret, String envelopeId) {
		MailOptions options = this.parser.parseMail("FROM:<a@example.com> " + parameters).options();
		assertThat(options.ret()).isEqualTo(ret);
		assertThat(options.envelopeId()).isEqualTo(envelopeId);
	}

	@ParameterizedTest
	@CsvSource(delimiter = '|',
			value = { "NOTIFY=NEVER                  | NEVER", "notify=never                  | NEVER",
					"NOTIFY=SUCCESS                | SUCCESS", "NOTIFY=Failure                | FAILURE",
					"NOTIFY=DELAY                  | DELAY", "NOTIFY=FAILURE,DELAY          | FAILURE;DELAY",
					"NOTIFY=delay,Success,FAILURE  | SUCCESS;FAILURE;DELAY", })
	void notifyIsTyped(String parameter, String expected) {
		RcptOptions options = this.parser.parseRcpt("TO:<b@example.com> " + parameter, false).options();
		assertThat(options.notifyOn()).containsExactlyInAnyOrder(
				Arrays.stream(expected.split(";")).map(DsnNotify::valueOf).toArray(DsnNotify[]::new));
		assertThat(options.originalRecipient()).isNull();
	}

	@ParameterizedTest
	@CsvSource(delimiter = '|',
			value = { "ORCPT=rfc822;b@example.com                | rfc822  | b@example.com",
					"orcpt=RFC822;b+2Bx@example.com            | RFC822  | b+x@example.com",
					"ORCPT=rfc822;+22b+20c+22@example.com      | rfc822  | '\"b c\"@example.com'",
					"ORCPT=x-local;anything+3D1                | x-local | anything=1",
					"ORCPT=utf-8;j\\x{F6}rg@example.com       | utf-8   | j\u00f6rg@example.com",
					"ORCPT=UTF-8;\\x{1F600}@example.com       | UTF-8   | \ud83d\ude00@example.com",
					"ORCPT=utf-8;b\\c@example.com             | utf-8   | b\\c@example.com", })
	void originalRecipientIsTypedAndDecoded(String parameter, String addressType, String address) {
		RcptOptions options = this.parser.parseRcpt("TO:<b@example.com> " + parameter, false).options();
		assertThat(options.originalRecipient()).isEqualTo(new OriginalRecipient(addressType, address));
		assertThat(options.notifyOn()).isEmpty();
	}

	@Test
	void dsnParametersAreTypedAndKeptAsGiven() {
		MailOptions mail = this.parser.parseMail("FROM:<a@example.com> RET=hdrs ENVID=x+2By").options();
		assertThat(mail.parameters()).containsExactly(entry("RET", "hdrs"), entry("ENVID", "x+2By"));
		RcptOptions rcpt = this.parser
			.parseRcpt("TO:<b@example.com> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;b+2B1@example.com", false)
			.options();
		assertThat(rcpt.notifyOn()).containsExactly(DsnNotify.SUCCESS, DsnNotify.FAILURE);
		assertThat(rcpt.originalRecipient()).isEqualTo(new OriginalRecipient("rfc822", "b+1@example.com"));
		assertThat(rcpt.parameters()).containsExactly(entry("NOTIFY", "SUCCESS,FAILURE"),
				entry("ORCPT", "rfc822;b+2B1@example.com"));
	}

	@ParameterizedTest
	@CsvSource(delimiter = '|',
			value = { "RET                       | 501 | 5.5.4", "RET=NONE                  | 501 | 5.5.4",
					"RET=FULLY                 | 501 | 5.5.4", "RET=FULL RET=HDRS         | 501 | 5.5.4",
					"RET=FULL ret=FULL         | 501 | 5.5.4", "ENVID                     | 501 | 5.5.4",
					"ENVID=a+2                 | 501 | 5.5.4", "ENVID=a+                  | 501 | 5.5.4",
					"ENVID=a+zz                | 501 | 5.5.4", "ENVID=a+0D+0A             | 501 | 5.5.4",
					"ENVID=+00                 | 501 | 5.5.4", "ENVID=+7F                 | 501 | 5.5.4",
					"ENVID=+C3+A9              | 501 | 5.5.4", "ENVID=\u00e9              | 501 | 5.5.4",
					"SMTPUTF8 ENVID=\u00e9     | 501 | 5.5.4", "ENVID=a+\u0661\u0661      | 501 | 5.5.4",
					"ENVID=a ENVID=b           | 501 | 5.5.4", "NOTIFY=NEVER              | 501 | 5.5.4",
					"ORCPT=rfc822;a@example.com | 501 | 5.5.4", "RET=FULL NOTIFY=NEVER     | 501 | 5.5.4", })
	void badDsnMailParameterIsRefused(String parameters, int code, String status) {
		assertReply(() -> this.utf8Parser.parseMail("FROM:<a@example.com> " + parameters), code, status);
	}

	@ParameterizedTest
	@CsvSource(delimiter = '|', value = { "NOTIFY                             | 501 | 5.5.4",
			"NOTIFY=                            | 501 | 5.5.4", "NOTIFY=NEVER,SUCCESS               | 501 | 5.5.4",
			"NOTIFY=SUCCESS,NEVER               | 501 | 5.5.4", "NOTIFY=NEVER,NEVER                 | 501 | 5.5.4",
			"NOTIFY=SUCCESS,success             | 501 | 5.5.4", "NOTIFY=SUCCESS,                    | 501 | 5.5.4",
			"NOTIFY=,FAILURE                    | 501 | 5.5.4", "NOTIFY=SUCCESS,,FAILURE            | 501 | 5.5.4",
			"NOTIFY=SOMETIMES                   | 501 | 5.5.4", "NOTIFY=NEVER NOTIFY=NEVER          | 501 | 5.5.4",
			"NOTIFY=NEVER notify=SUCCESS        | 501 | 5.5.4", "ORCPT                              | 501 | 5.5.4",
			"ORCPT=rfc822                       | 501 | 5.5.4", "ORCPT=rfc822;                      | 501 | 5.5.4",
			"ORCPT=;b@example.com               | 501 | 5.5.4", "ORCPT=rf(c;b@example.com           | 501 | 5.5.4",
			"ORCPT=rfc 822;b@example.com        | 501 | 5.5.4", "ORCPT=rfc822;b+4@example.com       | 501 | 5.5.4",
			"ORCPT=utf-8;\\x{D800}@example.com | 501 | 5.5.4", "ORCPT=utf-8;\\x{}@example.com     | 501 | 5.5.4",
			"ORCPT=utf-8;\\x{1234567}          | 501 | 5.5.4", "ORCPT=utf-8;\\x{110000}           | 501 | 5.5.4",
			"ORCPT=utf-8;\\x{0A}               | 501 | 5.5.4", "ORCPT=utf-8;\\x{41                | 501 | 5.5.4",
			"ORCPT=utf-8;\\x{G1}               | 501 | 5.5.4", "ORCPT=rfc822;a ORCPT=rfc822;b      | 501 | 5.5.4",
			"RET=FULL                           | 501 | 5.5.4", "ENVID=x                            | 501 | 5.5.4",
			"NOTIFY=NEVER RET=FULL              | 501 | 5.5.4", })
	void badDsnRcptParameterIsRefused(String parameters, int code, String status) {
		assertReply(() -> this.utf8Parser.parseRcpt("TO:<b@example.com> " + parameters, true), code, status);
	}

	@Test
	void envelopeIdOfAtMost100CharactersIsAccepted() {
		String envid = "x".repeat(100);
		assertThat(this.parser.parseMail("FROM:<a@example.com> ENVID=" + envid).options().envelopeId())
			.isEqualTo(envid);
		assertReply(() -> this.parser.parseMail("FROM:<a@example.com> ENVID=" + envid + "y"), 501, "5.5.4");
	}

	@Test
	void originalRecipientOfAtMost500CharactersIsAccepted() {
		String orcpt = "rfc822;" + "x".repeat(493);
		assertThat(this.parser.parseRcpt("TO:<b@example.com> ORCPT=" + orcpt, false).options().originalRecipient())
			.isEqualTo(new OriginalRecipient("rfc822", "x".repeat(493)));
		assertReply(() -> this.parser.parseRcpt("TO:<b@example.com> ORCPT=" + orcpt + "y", false), 501, "5.5.4");
	}

	@Test
	void nonAsciiOriginalRecipientNeedsSmtputf8AndTheUtf8Type() {
		assertThat(this.utf8Parser.parseRcpt("TO:<b@example.com> ORCPT=utf-8;j\u00f6rg@example.com", true)
			.options()
			.originalRecipient()).isEqualTo(new OriginalRecipient("utf-8", "j\u00f6rg@example.com"));
		assertReply(() -> this.utf8Parser.parseRcpt("TO:<b@example.com> ORCPT=utf-8;j\u00f6rg@example.com", false), 501,
				"5.5.4");
		assertReply(() -> this.parser.parseRcpt("TO:<b@example.com> ORCPT=utf-8;j\u00f6rg@example.com", true), 501,
				"5.5.4");
		assertReply(() -> this.utf8Parser.parseRcpt("TO:<b@example.com> ORCPT=rfc822;j\u00f6rg@example.com", true), 501,
				"5.5.4");
	}

	@ParameterizedTest
	@ValueSource(strings = { "RET=FULL", "ENVID=x", "NOTIFY=NEVER", "ORCPT=rfc822;b@example.com", "RET=", "RET" })
	void dsnParametersAreUnknownWhenDisabled(String parameter) {
		ArgumentParser noDsn = new ArgumentParser(true, false, 0, 0);
		int code = parameter.equals("RET=") ? 501 : 555;
		assertReply(() -> noDsn.parseMail("FROM:<a@example.com> " + parameter), code, "5.5.4");
		assertReply(() -> noDsn.parseRcpt("TO:<b@example.com> " + parameter, false), code, "5.5.4");
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
		ArgumentParser limited = new ArgumentParser(false, true, 0, 5);
		assertThat(limited.parseMail("FROM:<abcde@example.com>").address()).isEqualTo("abcde@example.com");
		assertThat(limited.parseRcpt("TO:<abcde@example.com>", false).address()).isEqualTo("abcde@example.com");
		assertThat(limited.parseMail("FROM:<>").address()).isEmpty();
		assertThat(limited.parseRcpt("TO:<postmaster>", false).address()).isEqualTo("postmaster");
	}

	@Test
	void localPartOverTheLimitGets553() {
		ArgumentParser limited = new ArgumentParser(false, true, 0, 5);
		assertReply(() -> limited.parseMail("FROM:<abcdef@example.com>"), 553, "5.1.7");
		assertReply(() -> limited.parseRcpt("TO:<abcdef@example.com>", false), 553, "5.1.1");
		assertReply(() -> limited.parseRcpt("TO:<\"abcd\"@example.com>", false), 553, "5.1.1");
	}

	@Test
	void localPartLimitCountsUtf8Octets() {
		ArgumentParser limited = new ArgumentParser(true, true, 0, 5);
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
		assertThatExceptionOfType(SmtpException.class)
			.isThrownBy(() -> this.parser.parseRcpt("TO:<b@example.com> ORCPT=EVIL;EVIL+", false))
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
