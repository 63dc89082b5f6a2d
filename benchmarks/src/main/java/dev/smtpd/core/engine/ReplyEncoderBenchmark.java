package dev.smtpd.core.engine;

import java.util.List;
import java.util.concurrent.TimeUnit;

import dev.smtpd.core.handler.Reply;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Encoding replies into a reused direct buffer: the one-line {@code 250} that every
 * command of a transaction gets, and a nine-line EHLO reply.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
public class ReplyEncoderBenchmark {

	private final Reply ehlo = new Reply(250, null,
			List.of("mail.example.com Hello client.example.org", "PIPELINING", "SIZE 33554432", "8BITMIME",
					"ENHANCEDSTATUSCODES", "CHUNKING", "STARTTLS", "AUTH PLAIN LOGIN", "SMTPUTF8"));

	private ByteBuf out;

	@Setup
	public void allocate() {
		this.out = PooledByteBufAllocator.DEFAULT.directBuffer(1024);
	}

	@TearDown
	public void release() {
		this.out.release();
	}

	@Benchmark
	public ByteBuf encodeOk() {
		this.out.clear();
		ReplyEncoder.encode(Reply.MAIL_OK, this.out);
		return this.out;
	}

	@Benchmark
	public ByteBuf encodeEhlo() {
		this.out.clear();
		ReplyEncoder.encode(this.ehlo, this.out);
		return this.out;
	}

}
