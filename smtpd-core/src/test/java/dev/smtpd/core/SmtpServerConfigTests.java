package dev.smtpd.core;

import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.function.Consumer;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Each setting is checked once, in {@link SmtpServerConfig}, and a rejected value names
 * the setting by its key in property form.
 */
@Tag("transport-independent")
class SmtpServerConfigTests {

	@Test
	void defaultsAreValid() {
		SmtpServerConfig config = SmtpServer.builder().hostname("mx.example.org").build().config();
		assertThat(config.network()).isEqualTo(SmtpServerConfig.Network.defaults());
		assertThat(config.limits()).isEqualTo(SmtpServerConfig.Limits.defaults());
		assertThat(config.tls().mode()).isNull();
	}

	@Test
	void aBadValueNamesItsKeyTheValueAndTheReason() {
		assertInvalid((builder) -> builder.ioThreads(5000), "io-threads", 5000L, "Must be between 0 and 1024");
		assertInvalid((builder) -> builder.commandSizeLimit(2_000_000), "command-size-limit", 2_000_000L,
				"Must be between 512 and 1048576");
		assertInvalid((builder) -> builder.port(-2), "port", -2L, "Must be between -1 and 65535");
		assertInvalid((builder) -> builder.unixSocket(SmtpServerConfig.UnixSocket.of(Path.of("s")).withMode("660")),
				"unix-socket.mode", "660", "Must be four octal digits such as 0660");
		assertInvalid((builder) -> builder.unixSocketPath(Path.of("")), "unix-socket.path", Path.of(""),
				"Must not be empty");
		assertInvalid((builder) -> builder.maxRecipients(0), "max-recipients", 0L, "Must be at least 1");
		assertInvalid((builder) -> builder.dataSizeLimit(-1), "data-size-limit", -1L, "Must not be negative");
		assertInvalid((builder) -> builder.memoryThreshold(3L * 1024 * 1024 * 1024), "memory-threshold",
				3L * 1024 * 1024 * 1024, "Must be between 0 and 2147483647");
		assertInvalid((builder) -> builder.timeout(Duration.ZERO), "timeout", Duration.ZERO, "Must be positive");
		assertInvalid((builder) -> builder.authMaxFailures(-1), "auth.max-failures", -1L, "Must not be negative");
		assertInvalid((builder) -> builder.authFailureDelay(Duration.ofSeconds(-1)), "auth.failure-delay",
				Duration.ofSeconds(-1), "Must not be negative");
		assertInvalid((builder) -> builder.tlsHandshakeTimeout(Duration.ZERO), "ssl.handshake-timeout", Duration.ZERO,
				"Must be positive");
		assertInvalid((builder) -> builder.commandCallLimit("noop", 0), "command-call-limit.commands.NOOP", 0L,
				"Must be at least 1");
	}

	@Test
	void aUnixSocketModeIsOctalOrSymbolic() {
		SmtpServerConfig.UnixSocket socket = SmtpServerConfig.UnixSocket.of(Path.of("/run/smtpd.sock"));
		assertThat(socket.mode()).isNull();
		assertThat(socket.withMode("0660").mode()).isEqualTo(PosixFilePermissions.fromString("rw-rw----"));
		assertThat(socket.withMode("0751").mode()).isEqualTo(PosixFilePermissions.fromString("rwxr-x--x"));
		assertThat(socket.withMode("rw-------").mode()).isEqualTo(PosixFilePermissions.fromString("rw-------"));
		assertThat(socket.withMode("0660").withMode((String) null).mode()).isNull();
		// what YAML makes of an unquoted 0660
		assertThatExceptionOfType(InvalidSettingException.class).isThrownBy(() -> socket.withMode("432"));
		assertThatExceptionOfType(InvalidSettingException.class).isThrownBy(() -> socket.withMode("04755"));
	}

	@Test
	void portMinusOneListensOnlyOnTheUnixSocket() {
		SmtpServerConfig.Network network = SmtpServer.builder()
			.hostname("mx.example.org")
			.port(-1)
			.unixSocketPath(Path.of("/run/smtpd.sock"))
			.config()
			.network();
		assertThat(network.hasTcpListener()).isFalse();
		assertThat(network.unixSocket()).isEqualTo(SmtpServerConfig.UnixSocket.of(Path.of("/run/smtpd.sock")));
		assertThat(SmtpServerConfig.Network.defaults().hasTcpListener()).isTrue();
	}

	@Test
	void valuesThatDependOnEachOtherAreCheckedWhenTheServerIsBuilt() {
		assertInvalid((builder) -> builder.requireStarttls(true), "ssl.require-starttls", true,
				"Needs TLS in STARTTLS mode");
		assertInvalid((builder) -> builder.hostname("mx example"), "hostname", "mx example", "printable ASCII");
		assertInvalid((builder) -> builder.port(-1), "port", -1, "needs a Unix domain socket (unix-socket.path)");
	}

	@Test
	void theMessageSaysAllOfIt() {
		assertThatExceptionOfType(InvalidSettingException.class).isThrownBy(() -> SmtpServer.builder().ioThreads(5000))
			.withMessage("Setting io-threads with value '5000' is invalid: Must be between 0 and 1024");
	}

	private static void assertInvalid(Consumer<SmtpServer.Builder> settings, String key, Object value, String reason) {
		assertThatExceptionOfType(InvalidSettingException.class).isThrownBy(() -> {
			SmtpServer.Builder builder = SmtpServer.builder().hostname("mx.example.org");
			settings.accept(builder);
			builder.build();
		}).satisfies((ex) -> {
			assertThat(ex.key()).isEqualTo(key);
			assertThat(ex.value()).isEqualTo(value);
			assertThat(ex.reason()).contains(reason);
		});
	}

}
