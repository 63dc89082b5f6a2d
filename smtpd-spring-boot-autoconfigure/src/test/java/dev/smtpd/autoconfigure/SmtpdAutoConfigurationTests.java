package dev.smtpd.autoconfigure;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.stream.Collectors;

import dev.smtpd.autoconfigure.context.SmtpServerDrain;
import dev.smtpd.autoconfigure.context.SmtpServerLifecycle;
import dev.smtpd.autoconfigure.context.SmtpServerStartedEvent;
import dev.smtpd.autoconfigure.test.SmtpWire;
import dev.smtpd.core.InvalidSettingException;
import dev.smtpd.core.Protocol;
import dev.smtpd.core.SmtpServer;
import dev.smtpd.core.SmtpServerConfig;
import dev.smtpd.core.TlsMode;
import dev.smtpd.core.auth.AuthResult;
import dev.smtpd.core.auth.Authenticator;
import dev.smtpd.core.delivery.DebuggingHandler;
import dev.smtpd.core.delivery.MaildirHandler;
import dev.smtpd.core.delivery.MboxHandler;
import dev.smtpd.core.delivery.RelayHandler;
import dev.smtpd.core.delivery.SinkHandler;
import dev.smtpd.core.handler.SmtpCommand;
import dev.smtpd.core.handler.SmtpHandler;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledForJreRange;
import org.junit.jupiter.api.condition.JRE;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Primary;
import org.springframework.core.annotation.Order;
import org.springframework.core.task.SimpleAsyncTaskExecutor;

import static dev.smtpd.autoconfigure.test.StartupFailures.assertStartupFails;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every default, override, condition and startup failure of
 * {@link SmtpdAutoConfiguration}.
 */
class SmtpdAutoConfigurationTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(SmtpdAutoConfiguration.class))
		.withPropertyValues("smtpd.port=0", "smtpd.address=127.0.0.1");

	@TempDir
	Path directory;

	@Test
	void whenNothingIsConfiguredThenTheDefaultsOfTheDesignApply() {
		this.runner.run((context) -> {
			assertThat(context).hasSingleBean(SmtpServer.class).hasSingleBean(SmtpServerLifecycle.class);
			SmtpServerConfig config = context.getBean(SmtpServer.class).config();
			assertThat(config.timeouts().timeout()).isEqualTo(Duration.ofMinutes(5));
			assertThat(config.timeouts().dataTimeout()).isEqualTo(Duration.ofMinutes(10));
			assertThat(config.limits().dataSizeLimit()).isEqualTo(32L * 1024 * 1024);
			assertThat(config.limits().commandSizeLimit()).isEqualTo(512);
			assertThat(config.limits().lineLengthLimit()).isEqualTo(1001);
			assertThat(config.limits().localPartLimit()).isZero();
			assertThat(config.limits().maxRecipients()).isEqualTo(1000);
			assertThat(config.extensions().smtputf8()).isFalse();
			assertThat(config.extensions().dsn()).isTrue();
			assertThat(config.content().decodeData()).isFalse();
			assertThat(config.limits().commandCallLimit()).isZero();
			assertThat(config.limits().maxConnections()).isZero();
			assertThat(config.limits().maxConnectionsPerAddress()).isZero();
			assertThat(config.limits().maxUnrecognizedCommands()).isEqualTo(10);
			assertThat(config.content().memoryThreshold()).isEqualTo(1024 * 1024);
			assertThat(config.auth().required()).isFalse();
			assertThat(config.auth().requireTls()).isTrue();
			assertThat(config.tls().mode()).isNull();
			assertThat(config.network().ioThreads()).isZero();
			assertThat(config.network().backlog()).isEqualTo(4096);
			assertThat(config.timeouts().dataMinRate()).isEqualTo(1024);
			assertThat(config.hooks()).isEqualTo(new SmtpServerConfig.Hooks(Duration.ofMinutes(1), 0, 10_000));
			assertThat(config.ident()).startsWith("smtpd-spring-boot");
			assertThat(context.getBean(SmtpServer.class).handlers()).singleElement()
				.isInstanceOf(DebuggingHandler.class);
		});
	}

	@Test
	void whenDsnIsDisabledThenTheServerDoesNotOfferIt() {
		this.runner.withPropertyValues("smtpd.dsn=false")
			.run((context) -> assertThat(context.getBean(SmtpServer.class).config().extensions().dsn()).isFalse());
	}

	@Test
	void defaultPortIs8025() {
		new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(SmtpdAutoConfiguration.class))
			.run((context) -> assertThat(context.getBean(SmtpServer.class).config().network().port()).isEqualTo(8025));
	}

	@Test
	void everyPropertyReachesTheServer() {
		this.runner.withPropertyValues("smtpd.hostname=mx.example.org", "smtpd.ident=Test ESMTP", "smtpd.timeout=30s",
				"smtpd.data-timeout=2m", "smtpd.data-size-limit=10MB", "smtpd.command-size-limit=1024",
				"smtpd.line-length-limit=2000", "smtpd.local-part-limit=64", "smtpd.max-recipients=50",
				"smtpd.smtputf8=true", "smtpd.decode-data=true", "smtpd.command-call-limit.default=100",
				"smtpd.command-call-limit.commands.NOOP=5", "smtpd.command-call-limit.commands.vrfy=2",
				"smtpd.max-connections=200", "smtpd.max-connections-per-address=20",
				"smtpd.max-unrecognized-commands=3", "smtpd.memory-threshold=64KB",
				"smtpd.temp-directory=" + this.directory, "smtpd.auth.require-tls=false", "smtpd.auth.max-failures=4",
				"smtpd.auth.failure-delay=1s", "smtpd.handler=sink", "smtpd.io-threads=3",
				"smtpd.native-transport=false", "smtpd.backlog=2000", "smtpd.data-min-rate=2KB",
				"smtpd.hook-timeout=20s", "smtpd.hook-executor.threads=4", "smtpd.hook-executor.queue-size=50")
			.run((context) -> {
				SmtpServerConfig config = context.getBean(SmtpServer.class).config();
				assertThat(config.network().nativeTransport()).isFalse();
				assertThat(config.hostname()).isEqualTo("mx.example.org");
				assertThat(config.ident()).isEqualTo("Test ESMTP");
				assertThat(config.timeouts().timeout()).isEqualTo(Duration.ofSeconds(30));
				assertThat(config.timeouts().dataTimeout()).isEqualTo(Duration.ofMinutes(2));
				assertThat(config.limits().dataSizeLimit()).isEqualTo(10L * 1024 * 1024);
				assertThat(config.limits().commandSizeLimit()).isEqualTo(1024);
				assertThat(config.limits().lineLengthLimit()).isEqualTo(2000);
				assertThat(config.limits().localPartLimit()).isEqualTo(64);
				assertThat(config.limits().maxRecipients()).isEqualTo(50);
				assertThat(config.extensions().smtputf8()).isTrue();
				assertThat(config.content().decodeData()).isTrue();
				assertThat(config.limits().commandCallLimit()).isEqualTo(100);
				assertThat(config.limits().commandCallLimit("NOOP")).isEqualTo(5);
				assertThat(config.limits().commandCallLimit("VRFY")).isEqualTo(2);
				assertThat(config.limits().maxConnections()).isEqualTo(200);
				assertThat(config.limits().maxConnectionsPerAddress()).isEqualTo(20);
				assertThat(config.limits().maxUnrecognizedCommands()).isEqualTo(3);
				assertThat(config.content().memoryThreshold()).isEqualTo(64 * 1024);
				assertThat(config.content().tempDirectory()).isEqualTo(this.directory);
				assertThat(config.auth().requireTls()).isFalse();
				assertThat(config.auth().maxFailures()).isEqualTo(4);
				assertThat(config.auth().failureDelay()).isEqualTo(Duration.ofSeconds(1));
				assertThat(config.network().ioThreads()).isEqualTo(3);
				assertThat(config.network().backlog()).isEqualTo(2000);
				assertThat(config.timeouts().dataMinRate()).isEqualTo(2048);
				assertThat(config.hooks()).isEqualTo(new SmtpServerConfig.Hooks(Duration.ofSeconds(20), 4, 50));
				assertThat(context.getBean(SmtpServer.class).handlers()).singleElement()
					.isInstanceOf(SinkHandler.class);
			});
	}

	@Test
	void whenDisabledThenNothingIsCreated() {
		this.runner.withPropertyValues("smtpd.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(SmtpServer.class)
				.doesNotHaveBean(SmtpServerLifecycle.class));
	}

	@Test
	void userServerBeanWins() {
		this.runner.withUserConfiguration(OwnServer.class).run((context) -> {
			assertThat(context).hasSingleBean(SmtpServer.class);
			assertThat(context.getBean(SmtpServer.class).config().hostname()).isEqualTo("own.example");
		});
	}

	@Test
	void withTwoServersOfItsOwnTheApplicationManagesThemAndStarts() {
		this.runner.withUserConfiguration(TwoServers.class).run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context).doesNotHaveBean(SmtpServerLifecycle.class).doesNotHaveBean(SmtpServerDrain.class);
			assertThat(context.getBeansOfType(SmtpServer.class).values()).allMatch(SmtpServer::isRunning);
		});
	}

	@Test
	void ofTwoServersThePrimaryOneIsManaged() {
		this.runner.withUserConfiguration(TwoServers.class, PrimaryServer.class).run((context) -> {
			assertThat(context).hasSingleBean(SmtpServerLifecycle.class);
			SmtpServer primary = context.getBean("primaryServer", SmtpServer.class);
			assertThat(primary.isRunning()).isTrue();
			assertThat(context.getEnvironment().getProperty("local.smtpd.port", Integer.class))
				.isEqualTo(primary.port());
		});
	}

	@Test
	void handlerBeansFormTheChainInOrderBeforeTheBuiltInOnes() {
		this.runner.withUserConfiguration(TwoHandlers.class).withPropertyValues("smtpd.handler=sink").run((context) -> {
			List<SmtpHandler> handlers = context.getBean(SmtpServer.class).handlers();
			assertThat(handlers).containsExactly(context.getBean("first", SmtpHandler.class),
					context.getBean("second", SmtpHandler.class),
					context.getBean("smtpdSinkHandler", SmtpHandler.class));
		});
	}

	@Test
	void builtInHandlersFormAChain() {
		this.runner
			.withPropertyValues("smtpd.handler=debugging,maildir,mbox,relay,sink",
					"smtpd.maildir.path=" + this.directory.resolve("Maildir"),
					"smtpd.mbox.path=" + this.directory.resolve("mail.mbox"), "smtpd.relay.host=127.0.0.1",
					"smtpd.relay.port=2525")
			.run((context) -> {
				assertThat(context.getBean(SmtpServer.class).handlers()).hasExactlyElementsOfTypes(
						DebuggingHandler.class, MaildirHandler.class, MboxHandler.class, RelayHandler.class,
						SinkHandler.class);
				assertThat(this.directory.resolve("Maildir/new")).isDirectory();
				assertThat(this.directory.resolve("Maildir/cur")).isDirectory();
			});
	}

	@Test
	void theBuiltInRelayWaitsForTheUpstreamWithinTheHookTimeout() {
		this.runner
			.withPropertyValues("smtpd.handler=relay", "smtpd.relay.host=127.0.0.1", "smtpd.relay.port=2525",
					"smtpd.hook-timeout=20s")
			.run((context) -> {
				RelayHandler relay = (RelayHandler) context.getBean(SmtpServer.class).handlers().get(0);
				// MAIL and RCPT wait for the upstream inside their hooks
				assertThat(relay).extracting("commandTimeout").isEqualTo(Duration.ofSeconds(18));
				assertThat(relay).extracting("readTimeout").isEqualTo(Duration.ofMinutes(5));
			});
	}

	@Test
	void commandsAuthenticatorAndCustomizersAreApplied() {
		this.runner.withUserConfiguration(Extras.class).withPropertyValues("smtpd.max-recipients=10").run((context) -> {
			SmtpServer server = context.getBean(SmtpServer.class);
			assertThat(server.commands()).extracting(SmtpCommand::verb).containsExactly("PING");
			// the customizer runs after the properties
			assertThat(server.config().limits().maxRecipients()).isEqualTo(3);
			assertThat(server.config().auth().required()).isTrue();
		});
	}

	@Test
	void extensionPropertiesReachTheServer() {
		this.runner.withPropertyValues("smtpd.chunking=false", "smtpd.dsn=false", "smtpd.smtputf8=true")
			.run((context) -> assertThat(context.getBean(SmtpServer.class).config().extensions())
				.isEqualTo(new SmtpServerConfig.Extensions(true, false, false, false)));
		this.runner.withPropertyValues("smtpd.binarymime=true")
			.run((context) -> assertThat(context.getBean(SmtpServer.class).config().extensions())
				.isEqualTo(new SmtpServerConfig.Extensions(false, true, true, true)));
	}

	@Test
	void whenProxyProtocolIsEnabledThenTheGreetingWaitsForATrustedHeader() {
		this.runner
			.withPropertyValues("smtpd.proxy-protocol.enabled=true", "smtpd.proxy-protocol.timeout=2s",
					"smtpd.proxy-protocol.trusted-proxies=127.0.0.1,::1/128", "smtpd.handler=sink")
			.run((context) -> {
				SmtpServer server = context.getBean(SmtpServer.class);
				SmtpServerConfig.ProxyProtocol proxy = server.config().proxyProtocol();
				assertThat(proxy.enabled()).isTrue();
				assertThat(proxy.timeout()).isEqualTo(Duration.ofSeconds(2));
				assertThat(proxy.trustedProxies()).extracting(Object::toString)
					.containsExactly("127.0.0.1/32", "0:0:0:0:0:0:0:1/128");
				try (Socket socket = new Socket("127.0.0.1", server.port())) {
					socket.setSoTimeout(5000);
					socket.getOutputStream()
						.write("PROXY TCP4 192.0.2.10 198.51.100.1 40000 25\r\n".getBytes(StandardCharsets.US_ASCII));
					assertThat(SmtpWire.readReply(socket.getInputStream())).startsWith("220 ");
				}
			});
	}

	@Test
	void proxyProtocolIsOffByDefaultAndTrustsLoopback() {
		this.runner.run((context) -> {
			SmtpServerConfig.ProxyProtocol proxy = context.getBean(SmtpServer.class).config().proxyProtocol();
			assertThat(proxy.enabled()).isFalse();
			assertThat(proxy.timeout()).isEqualTo(Duration.ofSeconds(5));
			assertThat(proxy.trustedProxies()).extracting(Object::toString)
				.containsExactly("127.0.0.0/8", "0:0:0:0:0:0:0:1/128");
		});
	}

	@Test
	void whenTheProtocolIsLmtpThenTheServerSpeaksLmtp() {
		this.runner.withPropertyValues("smtpd.protocol=lmtp", "smtpd.handler=sink").run((context) -> {
			SmtpServer server = context.getBean(SmtpServer.class);
			assertThat(server.config().protocol()).isEqualTo(Protocol.LMTP);
			try (Socket socket = new Socket("127.0.0.1", server.port())) {
				socket.setSoTimeout(5000);
				assertThat(SmtpWire.readReply(socket.getInputStream())).startsWith("220 ");
				socket.getOutputStream()
					.write("EHLO c.example\r\nLHLO c.example\r\n".getBytes(StandardCharsets.US_ASCII));
				assertThat(SmtpWire.readReply(socket.getInputStream())).startsWith("500 5.5.1");
				assertThat(SmtpWire.readReply(socket.getInputStream())).contains("250 ");
			}
		});
	}

	@Test
	void serverStartsWithTheContextAndPublishesItsPortAndAnEvent() {
		this.runner.withUserConfiguration(StartedListener.class).run((context) -> {
			SmtpServer server = context.getBean(SmtpServer.class);
			assertThat(server.isRunning()).isTrue();
			int port = server.port();
			assertThat(port).isPositive();
			assertThat(context.getEnvironment().getProperty("local.smtpd.port", Integer.class)).isEqualTo(port);
			assertThat(context.getBean(StartedListener.class).port).isEqualTo(port);
			try (Socket socket = new Socket("127.0.0.1", port)) {
				socket.setSoTimeout(5000);
				assertThat(new String(socket.getInputStream().readNBytes(4), StandardCharsets.US_ASCII))
					.isEqualTo("220 ");
			}
		});
	}

	@Test
	void closingTheContextStopsTheServerAndTellsIdleSessions421() throws Exception {
		int[] port = new int[1];
		Socket socket = new Socket();
		try (socket) {
			this.runner.run((context) -> {
				port[0] = context.getBean(SmtpServer.class).port();
				socket.connect(new java.net.InetSocketAddress("127.0.0.1", port[0]));
				socket.setSoTimeout(5000);
				readLine(socket.getInputStream());
			});
			assertThat(readLine(socket.getInputStream())).startsWith("421 4.3.2");
		}
		try (Socket refused = new Socket()) {
			org.assertj.core.api.Assertions.assertThatExceptionOfType(java.net.ConnectException.class)
				.isThrownBy(() -> refused.connect(new java.net.InetSocketAddress("127.0.0.1", port[0]), 2000));
		}
	}

	@Test
	void aThreadKeepsTheApplicationAliveWhileTheServerRunsAlsoAfterAStopAndAStart() {
		// contexts of other test classes (cached by the Spring test framework) have
		// theirs, and one of an earlier test may still be ending: only new ones count
		Set<Thread> others = keepAliveThreads();
		this.runner.run((context) -> {
			Set<Thread> first = keepAliveThreads();
			first.removeAll(others);
			assertThat(first).as("after the start").hasSize(1);
			context.stop();
			Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !first.iterator().next().isAlive());
			context.start();
			Set<Thread> second = keepAliveThreads();
			second.removeAll(others);
			assertThat(second).as("after a stop and a start").hasSize(1);
			try (Socket socket = new Socket("127.0.0.1", context.getBean(SmtpServer.class).port())) {
				socket.setSoTimeout(5000);
				assertThat(readLine(socket.getInputStream())).startsWith("220 ");
			}
			context.close();
			Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !second.iterator().next().isAlive());
		});
	}

	private static Set<Thread> keepAliveThreads() {
		return Thread.getAllStackTraces()
			.keySet()
			.stream()
			.filter((thread) -> thread.getName().equals("smtpd-await") && thread.isAlive() && !thread.isDaemon())
			.collect(Collectors.toCollection(HashSet::new));
	}

	@Test
	void transactionUnderWayMayFinishDuringGracefulShutdown() throws Exception {
		Socket socket = new Socket();
		try (socket) {
			this.runner.withPropertyValues("smtpd.handler=sink").run((context) -> {
				socket.connect(new java.net.InetSocketAddress("127.0.0.1", context.getBean(SmtpServer.class).port()));
				socket.setSoTimeout(10000);
				InputStream in = socket.getInputStream();
				OutputStream out = socket.getOutputStream();
				readLine(in);
				out.write("HELO c\r\nMAIL FROM:<a@example.com>\r\n".getBytes(StandardCharsets.US_ASCII));
				readLine(in);
				readLine(in);
				Thread closer = new Thread(context::close);
				closer.start();
				// the session has a sender: it is not closed at once, the message still
				// gets through
				out.write("RCPT TO:<b@example.com>\r\nDATA\r\n".getBytes(StandardCharsets.US_ASCII));
				assertThat(readLine(in)).startsWith("250");
				assertThat(readLine(in)).startsWith("354");
				out.write("Subject: late\r\n\r\nstill delivered\r\n.\r\n".getBytes(StandardCharsets.US_ASCII));
				assertThat(readLine(in)).startsWith("250");
				assertThat(readLine(in)).startsWith("421 4.3.2");
				closer.join(20_000);
			});
		}
	}

	@Test
	@EnabledForJreRange(min = JRE.JAVA_21)
	void withVirtualThreadsHooksRunOnVirtualThreads() {
		this.runner.withPropertyValues("spring.threads.virtual.enabled=true").run((context) -> {
			assertThat(context).hasBean(SmtpdAutoConfiguration.HOOK_EXECUTOR_BEAN_NAME);
			Executor executor = context.getBean(SmtpdAutoConfiguration.HOOK_EXECUTOR_BEAN_NAME, Executor.class);
			assertThat(executor).isInstanceOf(SimpleAsyncTaskExecutor.class);
			java.util.concurrent.CompletableFuture<Boolean> virtual = new java.util.concurrent.CompletableFuture<>();
			executor.execute(() -> {
				try {
					// Thread.isVirtual() is Java 21 API; the build targets 17
					virtual.complete((Boolean) Thread.class.getMethod("isVirtual").invoke(Thread.currentThread()));
				}
				catch (ReflectiveOperationException ex) {
					virtual.completeExceptionally(ex);
				}
			});
			assertThat(virtual.get()).isTrue();
		});
	}

	@Test
	void withoutVirtualThreadsTheServerUsesItsBoundedPool() {
		this.runner
			.run((context) -> assertThat(context).doesNotHaveBean(SmtpdAutoConfiguration.HOOK_EXECUTOR_BEAN_NAME));
	}

	@Test
	void unknownHandlerFailsStartupNamingTheProperty() {
		assertStartupFails(this.runner.withPropertyValues("smtpd.handler=debugging,carrier-pigeon"), "smtpd.handler",
				"carrier-pigeon");
	}

	@Test
	void maildirThatCannotBeCreatedFailsStartup() throws Exception {
		Path file = Files.writeString(this.directory.resolve("file"), "x");
		assertStartupFails(
				this.runner.withPropertyValues("smtpd.handler=maildir", "smtpd.maildir.path=" + file.resolve("sub")),
				"smtpd.maildir.path", "cannot be created");
	}

	@Test
	void relayWithoutHostFailsStartup() {
		assertStartupFails(this.runner.withPropertyValues("smtpd.handler=relay"), "smtpd.relay.host", "upstream host");
	}

	@Test
	void badValuesFailStartupNamingTheProperty() {
		assertStartupFails(this.runner.withPropertyValues("smtpd.data-size-limit=-1MB"), "smtpd.data-size-limit",
				"negative");
		assertStartupFails(this.runner.withPropertyValues("smtpd.port=70000"), "smtpd.port", "65535");
		assertStartupFails(this.runner.withPropertyValues("smtpd.command-size-limit=100"), "smtpd.command-size-limit",
				"512");
		assertStartupFails(this.runner.withPropertyValues("smtpd.line-length-limit=80"), "smtpd.line-length-limit",
				"1001");
		assertStartupFails(this.runner.withPropertyValues("smtpd.max-recipients=0"), "smtpd.max-recipients",
				"at least 1");
		assertStartupFails(this.runner.withPropertyValues("smtpd.max-connections=0"), "smtpd.max-connections",
				"at least 1");
		assertStartupFails(this.runner.withPropertyValues("smtpd.timeout=0s"), "smtpd.timeout", "positive");
		assertStartupFails(this.runner.withPropertyValues("smtpd.command-call-limit.commands.NOOP=0"),
				"smtpd.command-call-limit.commands.NOOP", "at least 1");
		assertStartupFails(this.runner.withPropertyValues("smtpd.proxy-protocol.trusted-proxies=10.0.0.0/33"),
				"smtpd.proxy-protocol.trusted-proxies", "between 0 and 32");
		assertStartupFails(this.runner.withPropertyValues("smtpd.proxy-protocol.trusted-proxies=proxy.example"),
				"smtpd.proxy-protocol.trusted-proxies", "Not an IP address literal");
		assertStartupFails(this.runner.withPropertyValues("smtpd.proxy-protocol.timeout=0s"),
				"smtpd.proxy-protocol.timeout", "positive");
		assertStartupFails(
				this.runner.withPropertyValues("smtpd.proxy-protocol.enabled=true",
						"smtpd.proxy-protocol.trusted-proxies="),
				"smtpd.proxy-protocol.trusted-proxies", "at least one network");
		assertBindingFails(this.runner.withPropertyValues("smtpd.ssl.mode=sometimes"), "smtpd.ssl.mode", "sometimes");
	}

	@Test
	void valuesTheServerRejectsFailStartupNamingTheProperty() {
		assertStartupFails(this.runner.withPropertyValues("smtpd.io-threads=5000"), "smtpd.io-threads",
				"Must be between 0 and 1024");
		assertStartupFails(this.runner.withPropertyValues("smtpd.command-size-limit=2000000"),
				"smtpd.command-size-limit", "Must be between 512 and 1048576");
		assertStartupFails(this.runner.withPropertyValues("smtpd.auth.max-failures=-1"), "smtpd.auth.max-failures",
				"negative");
		assertStartupFails(this.runner.withPropertyValues("smtpd.memory-threshold=3GB"), "smtpd.memory-threshold",
				"2147483647");
		assertStartupFails(this.runner.withPropertyValues("smtpd.io-threads=0"), "smtpd.io-threads", "unset");
		assertStartupFails(this.runner.withPropertyValues("smtpd.hostname=mx example"), "smtpd.hostname",
				"printable ASCII");
		assertStartupFails(this.runner.withPropertyValues("smtpd.ssl.handshake-timeout=0s"),
				"smtpd.ssl.handshake-timeout", "positive");
		assertStartupFails(this.runner.withPropertyValues("smtpd.binarymime=true", "smtpd.chunking=false"),
				"smtpd.binarymime", "CHUNKING");
		assertStartupFails(this.runner.withPropertyValues("smtpd.backlog=0"), "smtpd.backlog",
				"Must be between 1 and 65535");
		assertStartupFails(this.runner.withPropertyValues("smtpd.data-min-rate=2GB"), "smtpd.data-min-rate",
				"Must be between 0 and 1073741824");
		assertStartupFails(this.runner.withPropertyValues("smtpd.hook-timeout=0s"), "smtpd.hook-timeout", "positive");
		assertStartupFails(this.runner.withPropertyValues("smtpd.hook-executor.threads=0"),
				"smtpd.hook-executor.threads", "unset");
		assertStartupFails(this.runner.withPropertyValues("smtpd.hook-executor.queue-size=-1"),
				"smtpd.hook-executor.queue-size", "negative");
	}

	@Test
	void enumPropertiesBindInAnyCaseAndRefuseOtherValues() {
		// the properties alone: TLS settings without a bundle would (rightly) fail
		// startup
		new ApplicationContextRunner().withUserConfiguration(PropertiesOnly.class)
			.withPropertyValues("smtpd.protocol=SMTP", "smtpd.ssl.mode=Implicit", "smtpd.ssl.client-auth=want",
					"smtpd.ssl.provider=JDK")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				SmtpdProperties.Ssl ssl = context.getBean(SmtpdProperties.class).getSsl();
				assertThat(ssl.getMode()).isEqualTo(TlsMode.IMPLICIT);
				assertThat(ssl.getClientAuth()).isEqualTo(SmtpdProperties.Ssl.ClientAuth.WANT);
				assertThat(ssl.getProvider()).isEqualTo(SmtpdProperties.Ssl.Provider.JDK);
			});
		assertBindingFails(this.runner.withPropertyValues("smtpd.protocol=esmtp"), "smtpd.protocol", "esmtp");
		assertBindingFails(this.runner.withPropertyValues("smtpd.ssl.client-auth=maybe"), "smtpd.ssl.client-auth",
				"maybe");
		assertBindingFails(this.runner.withPropertyValues("smtpd.ssl.provider=bouncycastle"), "smtpd.ssl.provider",
				"bouncycastle");
	}

	@Test
	void aCustomizersBadValueIsNotBlamedOnAProperty() {
		this.runner.withBean(SmtpServerCustomizer.class, () -> (builder) -> builder.ioThreads(5000)).run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).hasRootCauseInstanceOf(InvalidSettingException.class)
				.hasRootCauseMessage("Setting io-threads with value '5000' is invalid: Must be between 0 and 1024");
			Throwable cause = context.getStartupFailure();
			while (cause != null) {
				assertThat(cause).isNotInstanceOf(InvalidConfigurationPropertyValueException.class);
				cause = cause.getCause();
			}
		});
	}

	@Test
	void authRequiredWithRequireTlsAndNoSslBundleFailsStartup() {
		assertStartupFails(
				this.runner.withUserConfiguration(AnAuthenticator.class).withPropertyValues("smtpd.auth.required=true"),
				"smtpd.auth.required", "smtpd.ssl.bundle");
	}

	@Test
	void authRequiredWithoutAnyAuthenticatorFailsStartup() {
		assertStartupFails(this.runner.withPropertyValues("smtpd.auth.required=true", "smtpd.auth.require-tls=false"),
				"smtpd.auth.required", "Authenticator");
	}

	@Test
	void unknownSslBundleFailsStartup() {
		assertStartupFails(this.runner.withPropertyValues("smtpd.ssl.bundle=missing"), "smtpd.ssl.bundle", "missing");
	}

	@Test
	void requireStarttlsWithoutTlsFailsStartup() {
		assertStartupFails(this.runner.withPropertyValues("smtpd.ssl.require-starttls=true"),
				"smtpd.ssl.require-starttls", "smtpd.ssl.bundle");
	}

	@Test
	void excludingAnUnknownMechanismFailsStartupNamingTheProperty() {
		assertStartupFails(this.runner.withPropertyValues("smtpd.auth.exclude-mechanisms=LOGN"),
				"smtpd.auth.exclude-mechanisms", "LOGN");
	}

	@Test
	void implicitTlsWithoutABundleFailsStartupRatherThanSpeakPlaintext() {
		assertStartupFails(this.runner.withPropertyValues("smtpd.ssl.mode=implicit"), "smtpd.ssl.mode",
				"smtpd.ssl.bundle");
	}

	@Test
	void clientCertificatesWithoutABundleFailStartup() {
		assertStartupFails(this.runner.withPropertyValues("smtpd.ssl.client-auth=need"), "smtpd.ssl.client-auth",
				"smtpd.ssl.bundle");
	}

	@Test
	void portThatIsTakenFailsStartup() throws Exception {
		try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
			this.runner.withPropertyValues("smtpd.port=" + taken.getLocalPort()).run((context) -> {
				assertThat(context).hasFailed();
				assertThat(context.getStartupFailure()).hasStackTraceContaining("Could not bind SMTP server");
			});
		}
	}

	private static void assertBindingFails(ApplicationContextRunner runner, String property, String value) {
		runner.run((context) -> {
			assertThat(context).hasFailed();
			Throwable cause = context.getStartupFailure();
			while (cause != null && !(cause instanceof BindException)) {
				cause = cause.getCause();
			}
			assertThat(cause).as("failure %s", context.getStartupFailure()).isInstanceOf(BindException.class);
			ConfigurationProperty bound = ((BindException) cause).getProperty();
			assertThat(bound).isNotNull();
			assertThat(bound.getName()).hasToString(property);
			assertThat(bound.getValue()).isEqualTo(value);
		});
	}

	private static String readLine(InputStream in) throws java.io.IOException {
		StringBuilder line = new StringBuilder();
		int c;
		while ((c = in.read()) != -1 && c != '\n') {
			if (c != '\r') {
				line.append((char) c);
			}
		}
		return line.toString();
	}

	/** Two servers the application starts and stops itself, as it must with two. */
	@Configuration(proxyBeanMethods = false)
	static class TwoServers {

		@Bean(initMethod = "start", destroyMethod = "stop")
		SmtpServer smtpServer() {
			return SmtpServer.builder()
				.address(InetAddress.getLoopbackAddress())
				.port(0)
				.hostname("mx.example")
				.build();
		}

		@Bean(initMethod = "start", destroyMethod = "stop")
		SmtpServer submissionServer() {
			return SmtpServer.builder()
				.address(InetAddress.getLoopbackAddress())
				.port(0)
				.hostname("submit.example")
				.build();
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class PrimaryServer {

		@Bean
		@Primary
		SmtpServer primaryServer() {
			return SmtpServer.builder()
				.address(InetAddress.getLoopbackAddress())
				.port(0)
				.hostname("primary.example")
				.build();
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class OwnServer {

		@Bean
		SmtpServer ownServer() {
			return SmtpServer.builder().port(0).hostname("own.example").build();
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class TwoHandlers {

		@Bean
		@Order(2)
		SmtpHandler second() {
			return new SmtpHandler() {
			};
		}

		@Bean
		@Order(1)
		SmtpHandler first() {
			return new SmtpHandler() {
			};
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class AnAuthenticator {

		@Bean
		Authenticator authenticator() {
			return (session, mechanism, credentials) -> AuthResult.failure();
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class Extras extends AnAuthenticator {

		@Bean
		SmtpCommand ping() {
			return new SmtpCommand() {

				@Override
				public String verb() {
					return "PING";
				}

				@Override
				public String syntax() {
					return "PING";
				}

				@Override
				public dev.smtpd.core.handler.Reply execute(dev.smtpd.core.handler.Session session,
						dev.smtpd.core.handler.Envelope envelope, String argument) {
					return dev.smtpd.core.handler.Reply.of(250, "2.0.0", "PONG");
				}

			};
		}

		@Bean
		SmtpServerCustomizer customizer() {
			return (builder) -> builder.maxRecipients(3).authRequired(true).authRequireTls(false);
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class StartedListener implements org.springframework.context.ApplicationListener<SmtpServerStartedEvent> {

		volatile int port;

		@Override
		public void onApplicationEvent(SmtpServerStartedEvent event) {
			this.port = event.getPort();
		}

	}

	@Configuration(proxyBeanMethods = false)
	@EnableConfigurationProperties(SmtpdProperties.class)
	static class PropertiesOnly {

	}

}
