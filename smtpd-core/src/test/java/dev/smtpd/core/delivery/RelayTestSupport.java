package dev.smtpd.core.delivery;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import dev.smtpd.core.SmtpServer;
import dev.smtpd.core.event.SmtpServerListener;
import dev.smtpd.core.handler.Envelope;
import dev.smtpd.core.handler.RcptOptions;
import dev.smtpd.core.handler.Reply;
import dev.smtpd.core.handler.Session;
import dev.smtpd.core.handler.SmtpHandler;
import dev.smtpd.core.test.RecordingHandler;
import dev.smtpd.core.test.TestServer;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;

/**
 * What the relay's tests share: servers started on loopback ports and stopped after each
 * test, and upstreams (servers of this project) that record what they were sent.
 */
abstract class RelayTestSupport {

	static final String MESSAGE = "From: a@example.com\r\nSubject: test\r\n\r\n.dot line\r\nFrom here\r\n>From there\r\n.\r\nend\r\n";

	static final String STUFFED = MESSAGE.replace("\r\n.", "\r\n..");

	final List<TestServer> servers = new ArrayList<>();

	private final List<FakeUpstream> fakes = new ArrayList<>();

	@AfterEach
	void stop() {
		this.servers.forEach(TestServer::close);
		this.fakes.forEach(FakeUpstream::close);
	}

	TestServer start(SmtpHandler handler) {
		return start((builder) -> builder.handler(handler));
	}

	TestServer start(Consumer<SmtpServer.Builder> customizer) {
		TestServer server = TestServer.start(customizer);
		this.servers.add(server);
		return server;
	}

	/**
	 * An upstream that records each message and the verbs of the commands it answered.
	 */
	Upstream upstream(Consumer<SmtpServer.Builder> customizer) {
		RecordingHandler handler = new RecordingHandler();
		BlockingQueue<String> verbs = new LinkedBlockingQueue<>();
		TestServer server = start((builder) -> {
			builder.handler(handler).listener(new SmtpServerListener() {

				@Override
				public void commandCompleted(Session session, String verb, int replyCode) {
					verbs.add(verb + " " + replyCode);
				}

			});
			customizer.accept(builder);
		});
		return new Upstream(server, handler, verbs);
	}

	/**
	 * A handler whose RCPT hook answers for the recipients that start with a prefix, and
	 * leaves the others to the rest of the chain.
	 */
	static SmtpHandler answeringRcpt(String prefix, Reply reply) {
		return new SmtpHandler() {

			@Override
			public @Nullable Reply rcpt(Session session, Envelope envelope, String address, RcptOptions options) {
				return address.startsWith(prefix) ? reply : null;
			}

		};
	}

	/**
	 * A fake upstream on a loopback port: it takes {@code connections} connections one
	 * after the other, greets each with {@code 220} and hands it to {@code conversation}.
	 */
	FakeUpstream fakeUpstream(int connections, Conversation conversation) throws IOException {
		ServerSocket socket = new ServerSocket(0, connections, InetAddress.getLoopbackAddress());
		BlockingQueue<Integer> closed = new LinkedBlockingQueue<>();
		ExecutorService executor = Executors.newSingleThreadExecutor();
		Future<?> done = executor.submit(() -> {
			for (int connection = 1; connection <= connections; connection++) {
				try (Socket accepted = socket.accept()) {
					BufferedReader in = new BufferedReader(
							new InputStreamReader(accepted.getInputStream(), StandardCharsets.US_ASCII));
					OutputStream out = accepted.getOutputStream();
					reply(out, "220 upstream");
					conversation.talk(connection, in, out);
				}
				closed.add(connection);
			}
			return null;
		});
		FakeUpstream fake = new FakeUpstream(socket, executor, done, closed);
		this.fakes.add(fake);
		return fake;
	}

	static void reply(OutputStream out, String line) throws IOException {
		out.write((line + "\r\n").getBytes(StandardCharsets.US_ASCII));
	}

	/** What a {@link #fakeUpstream fake upstream} does with one connection. */
	@FunctionalInterface
	interface Conversation {

		void talk(int connection, BufferedReader in, OutputStream out) throws Exception;

	}

	record FakeUpstream(ServerSocket socket, ExecutorService executor, Future<?> done, BlockingQueue<Integer> closed) {

		int port() {
			return this.socket.getLocalPort();
		}

		/** Waits until the fake has closed its {@code connection}th connection. */
		void awaitClosed(int connection) throws InterruptedException {
			Integer next;
			while ((next = this.closed.poll(10, TimeUnit.SECONDS)) != null) {
				if (next == connection) {
					return;
				}
			}
			throw new AssertionError("Connection " + connection + " of the fake upstream was not closed");
		}

		void close() {
			this.done.cancel(true);
			this.executor.shutdownNow();
			try {
				this.socket.close();
			}
			catch (IOException ex) {
				// closed after the test either way
			}
		}

	}

	record Upstream(TestServer server, RecordingHandler handler, BlockingQueue<String> verbs) {

		int port() {
			return this.server.port();
		}

		/** The verbs and reply codes of one session, up to its QUIT. */
		List<String> session() throws InterruptedException {
			List<String> session = new ArrayList<>();
			while (session.isEmpty() || !session.get(session.size() - 1).startsWith("QUIT")) {
				String verb = this.verbs.poll(10, TimeUnit.SECONDS);
				if (verb == null) {
					throw new AssertionError("Upstream session did not end: " + session);
				}
				session.add(verb);
			}
			return session;
		}

	}

}
