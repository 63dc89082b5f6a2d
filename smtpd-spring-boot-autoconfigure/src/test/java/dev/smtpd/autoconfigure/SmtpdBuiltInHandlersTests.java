package dev.smtpd.autoconfigure;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;

import dev.smtpd.autoconfigure.test.SmtpWire;
import dev.smtpd.core.SmtpServer;
import dev.smtpd.core.delivery.DebuggingHandler;
import dev.smtpd.core.delivery.MaildirHandler;
import dev.smtpd.core.delivery.MemoryHandler;
import dev.smtpd.core.delivery.SinkHandler;
import dev.smtpd.core.handler.Envelope;
import dev.smtpd.core.handler.MessageContent;
import dev.smtpd.core.handler.Reply;
import dev.smtpd.core.handler.Session;
import dev.smtpd.core.handler.SmtpHandler;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The handler chain: the application's {@link SmtpHandler} beans in order, then the
 * built-in handlers {@code smtpd.handler} lists, each a bean; a real client delivers
 * through it.
 */
@ExtendWith(OutputCaptureExtension.class)
class SmtpdBuiltInHandlersTests {

	private static final String MESSAGE = "Subject: built-in handlers\r\n\r\nHello\r\n";

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(SmtpdAutoConfiguration.class))
		.withPropertyValues("smtpd.port=0", "smtpd.address=127.0.0.1");

	@TempDir
	Path directory;

	@Test
	void whenTheApplicationHasAHandlerAndMaildirIsListedThenEachMessageGoesThroughBothOnce() {
		this.runner.withUserConfiguration(RecordingHandlers.class)
			.withPropertyValues("smtpd.handler=maildir", "smtpd.maildir.path=" + this.directory)
			.run((context) -> {
				SmtpServer server = context.getBean(SmtpServer.class);
				assertThat(server.handlers()).containsExactly(context.getBean("recording", SmtpHandler.class),
						context.getBean("smtpdMaildirHandler", SmtpHandler.class));
				assertThat(SmtpWire.deliver(server.port(), "a@example.com", MESSAGE, "b@example.com"))
					.contains("250 2.0.0 OK");
				SmtpWire.deliver(server.port(), "a@example.com", MESSAGE, "c@example.com");
				assertThat(context.getBean(RecordingHandlers.class).messages).hasSize(2);
				List<Path> stored = stored();
				assertThat(stored).hasSize(2);
				assertThat(Files.readString(stored.get(0))).isEqualTo(MESSAGE);
			});
	}

	@Test
	void whenNothingIsConfiguredAndNoHandlerBeanExistsThenTheDebuggingHandlerPrintsEachMessage(CapturedOutput output) {
		this.runner.run((context) -> {
			SmtpServer server = context.getBean(SmtpServer.class);
			assertThat(server.handlers()).singleElement().isInstanceOf(DebuggingHandler.class);
			assertThat(context).hasBean("smtpdDebuggingHandler");
			SmtpWire.deliver(server.port(), "a@example.com", MESSAGE, "b@example.com");
			assertThat(output.getOut().split("Subject: built-in handlers", -1)).hasSize(2);
		});
	}

	@Test
	void whenOnlyMaildirIsListedThenEachMessageIsStoredOnce() {
		this.runner.withPropertyValues("smtpd.handler=maildir", "smtpd.maildir.path=" + this.directory)
			.run((context) -> {
				SmtpServer server = context.getBean(SmtpServer.class);
				assertThat(server.handlers()).singleElement().isInstanceOf(MaildirHandler.class);
				SmtpWire.deliver(server.port(), "a@example.com", MESSAGE, "b@example.com");
				List<Path> stored = stored();
				assertThat(stored).hasSize(1);
				assertThat(Files.readAllBytes(stored.get(0))).isEqualTo(MESSAGE.getBytes(StandardCharsets.UTF_8));
			});
	}

	@Test
	void whenTheApplicationHasAHandlerAndNothingIsListedThenOnlyItsHandlerIsUsed(CapturedOutput output) {
		this.runner.withUserConfiguration(RecordingHandlers.class).run((context) -> {
			SmtpServer server = context.getBean(SmtpServer.class);
			assertThat(server.handlers()).containsExactly(context.getBean("recording", SmtpHandler.class));
			assertThat(context).doesNotHaveBean("smtpdDebuggingHandler");
			SmtpWire.deliver(server.port(), "a@example.com", MESSAGE, "b@example.com");
			assertThat(context.getBean(RecordingHandlers.class).messages).containsExactly(MESSAGE);
			assertThat(output.getOut()).doesNotContain("Subject: built-in handlers");
		});
	}

	@Test
	void whenTheHandlerPropertyIsEmptyThenNoBuiltInHandlerIsAppended() {
		this.runner.withUserConfiguration(RecordingHandlers.class)
			.withPropertyValues("smtpd.handler=")
			.run((context) -> assertThat(context.getBean(SmtpServer.class).handlers())
				.containsExactly(context.getBean("recording", SmtpHandler.class)));
	}

	@Test
	void whenNothingWouldHandleMailThenStartupFailsNamingTheHandlerProperty() {
		// an empty chain would answer 250 to every message and keep none
		this.runner.withPropertyValues("smtpd.handler=")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("smtpd.handler")
				.hasMessageContaining("sink"));
		this.runner.withPropertyValues("smtpd.handler=")
			.withBean(SmtpServerCustomizer.class, () -> (builder) -> builder.handler(new SmtpHandler() {
			}))
			.run((context) -> assertThat(context).hasNotFailed());
	}

	@Test
	void handlersInOrderComeFirstThenTheBuiltInOnesInTheOrderListed() {
		this.runner.withUserConfiguration(RecordingHandlers.class, SecondHandler.class)
			.withPropertyValues("smtpd.handler[0]=sink", "smtpd.handler[1]=debugging")
			.run((context) -> {
				List<SmtpHandler> handlers = context.getBean(SmtpServer.class).handlers();
				assertThat(handlers).hasSize(4);
				assertThat(handlers.subList(0, 2)).containsExactly(context.getBean("first", SmtpHandler.class),
						context.getBean("recording", SmtpHandler.class));
				assertThat(handlers.subList(2, 4)).hasExactlyElementsOfTypes(SinkHandler.class, DebuggingHandler.class);
				assertThat(context.getBean(SmtpdBuiltInHandlers.class).names()).containsExactly("sink", "debugging");
			});
	}

	@Test
	void whenMemoryIsListedThenItsBeanHoldsTheLastMessagesUpToTheBound() {
		this.runner.withPropertyValues("smtpd.handler=memory", "smtpd.memory.max-messages=2").run((context) -> {
			SmtpServer server = context.getBean(SmtpServer.class);
			MemoryHandler memory = context.getBean("smtpdMemoryHandler", MemoryHandler.class);
			assertThat(server.handlers()).containsExactly(memory);
			for (String to : List.of("b@example.com", "c@example.com", "d@example.com")) {
				assertThat(SmtpWire.deliver(server.port(), "a@example.com", MESSAGE, to)).contains("250 2.0.0 OK");
			}
			assertThat(memory.maxMessages()).isEqualTo(2);
			assertThat(memory.messages()).flatExtracting((message) -> message.recipients())
				.containsExactly("c@example.com", "d@example.com");
			assertThat(new String(memory.messages().get(0).content(), StandardCharsets.UTF_8)).isEqualTo(MESSAGE);
		});
	}

	@Test
	void whenMemoryBoundIsNotPositiveThenStartupFailsNamingTheProperty() {
		this.runner.withPropertyValues("smtpd.handler=memory", "smtpd.memory.max-messages=0").run((context) -> {
			Throwable cause = context.getStartupFailure();
			while (cause != null && !(cause instanceof InvalidConfigurationPropertyValueException)) {
				cause = cause.getCause();
			}
			assertThat(cause).isInstanceOf(InvalidConfigurationPropertyValueException.class);
			assertThat(((InvalidConfigurationPropertyValueException) cause).getName())
				.isEqualTo("smtpd.memory.max-messages");
		});
	}

	@Test
	void handlerListedTwiceFailsStartupNamingTheProperty() {
		this.runner.withPropertyValues("smtpd.handler=sink,Sink")
			.run((context) -> assertFailure(context.getStartupFailure(), "listed twice"));
	}

	@Test
	void withAServerOfItsOwnNoBuiltInHandlerIsCreated() {
		this.runner.withUserConfiguration(OwnServer.class)
			.withPropertyValues("smtpd.handler=maildir", "smtpd.maildir.path=" + this.directory.resolve("unused"))
			.run((context) -> {
				assertThat(context).doesNotHaveBean(MaildirHandler.class).doesNotHaveBean(SmtpdBuiltInHandlers.class);
				assertThat(this.directory.resolve("unused")).doesNotExist();
			});
	}

	private List<Path> stored() throws IOException {
		try (Stream<Path> files = Files.list(this.directory.resolve("new"))) {
			return files.toList();
		}
	}

	private static void assertFailure(@Nullable Throwable failure, String text) {
		Throwable cause = failure;
		while (cause != null && !(cause instanceof InvalidConfigurationPropertyValueException)) {
			cause = cause.getCause();
		}
		assertThat(cause).as("failure %s", failure).isInstanceOf(InvalidConfigurationPropertyValueException.class);
		InvalidConfigurationPropertyValueException invalid = (InvalidConfigurationPropertyValueException) cause;
		assertThat(invalid.getName()).isEqualTo("smtpd.handler");
		assertThat(invalid.getValue() + " " + invalid.getReason()).contains(text);
	}

	@Configuration(proxyBeanMethods = false)
	static class RecordingHandlers {

		final List<String> messages = new CopyOnWriteArrayList<>();

		@Bean
		SmtpHandler recording() {
			return new SmtpHandler() {

				@Override
				public @Nullable Reply data(Session session, Envelope envelope, MessageContent content)
						throws IOException {
					RecordingHandlers.this.messages.add(content.asText());
					return null;
				}

			};
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class SecondHandler {

		@Bean
		@Order(-1)
		SmtpHandler first() {
			return new SmtpHandler() {
			};
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class OwnServer {

		@Bean
		SmtpServer ownServer() {
			return SmtpServer.builder().port(0).build();
		}

	}

}
