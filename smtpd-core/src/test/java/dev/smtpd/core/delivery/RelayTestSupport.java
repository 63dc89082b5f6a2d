package dev.smtpd.core.delivery;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
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

	@AfterEach
	void stop() {
		this.servers.forEach(TestServer::close);
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
