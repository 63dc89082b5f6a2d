package dev.smtpd.core.engine;

import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Parsing the arguments of MAIL and RCPT, once per transaction and once per recipient. It
 * lives in the package of {@link ArgumentParser}, which is package-private.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
public class ArgumentParserBenchmark {

	private final ArgumentParser parser = new ArgumentParser(false, true, 32L * 1024 * 1024, 0);

	private final String mail = "FROM:<sender@example.com>";

	private final String mailWithParameters = "FROM:<bounces+1234-abcd=example.org@mail.example.com> SIZE=1048576 BODY=8BITMIME";

	private final String rcpt = "TO:<recipient.name@example.org>";

	@Benchmark
	public MailArgument parseMail() {
		return this.parser.parseMail(this.mail);
	}

	@Benchmark
	public MailArgument parseMailWithParameters() {
		return this.parser.parseMail(this.mailWithParameters);
	}

	@Benchmark
	public RcptArgument parseRcpt() {
		return this.parser.parseRcpt(this.rcpt, false);
	}

}
