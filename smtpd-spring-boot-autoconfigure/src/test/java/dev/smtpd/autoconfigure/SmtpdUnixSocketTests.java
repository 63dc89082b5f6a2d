package dev.smtpd.autoconfigure;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import dev.smtpd.autoconfigure.actuate.SmtpdEndpoint;
import dev.smtpd.core.SmtpServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static dev.smtpd.autoconfigure.test.StartupFailures.assertStartupFails;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code smtpd.unix-socket.*}: a server on a Unix domain socket, alone or beside the
 * port, and the startup failures that name the property.
 */
class SmtpdUnixSocketTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(SmtpdAutoConfiguration.class))
		.withPropertyValues("smtpd.address=127.0.0.1", "smtpd.handler=sink");

	@TempDir
	Path directory;

	@Test
	void whenPortIsMinusOneThenTheServerListensOnlyOnTheSocket() {
		Path socket = this.directory.resolve("smtpd.sock");
		this.runner
			.withPropertyValues("smtpd.port=-1", "smtpd.unix-socket.path=" + socket, "smtpd.unix-socket.mode=0660")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				SmtpServer server = context.getBean(SmtpServer.class);
				assertThat(server.port()).isEqualTo(-1);
				assertThat(server.unixSocketPath()).isEqualTo(socket);
				assertThat(context.getEnvironment().getProperty("local.smtpd.port", Integer.class)).isEqualTo(-1);
				assertThat(Files.getPosixFilePermissions(socket))
					.isEqualTo(PosixFilePermissions.fromString("rw-rw----"));
				try (SocketChannel client = SocketChannel.open(StandardProtocolFamily.UNIX)) {
					client.connect(UnixDomainSocketAddress.of(socket));
					BufferedReader in = new BufferedReader(
							new InputStreamReader(Channels.newInputStream(client), StandardCharsets.US_ASCII));
					assertThat(in.readLine()).startsWith("220 ");
					String json = JsonMapper.builder().build().writeValueAsString(new SmtpdEndpoint(server).smtpd());
					assertThat(json).contains("\"address\":null", "\"port\":null", "\"unixSocket\":\"" + socket + "\"",
							"\"peer\":\"unix:" + socket + "\"");
				}
			});
		assertThat(socket).doesNotExist();
	}

	@Test
	void whenAPathIsSetThenTheServerListensOnThePortAsWell() {
		Path socket = this.directory.resolve("smtpd.sock");
		this.runner.withPropertyValues("smtpd.port=0", "smtpd.unix-socket.path=" + socket).run((context) -> {
			SmtpServer server = context.getBean(SmtpServer.class);
			assertThat(server.port()).isPositive();
			assertThat(server.unixSocketPath()).isEqualTo(socket);
			assertThat(socket).exists();
		});
	}

	@Test
	void whenThePathIsARegularFileThenStartupFailsNamingThePathAndKeepsTheFile() throws Exception {
		Path file = Files.writeString(this.directory.resolve("smtpd.sock"), "precious");
		assertStartupFails(this.runner.withPropertyValues("smtpd.port=-1", "smtpd.unix-socket.path=" + file),
				"smtpd.unix-socket.path", "Exists and is not a socket");
		assertThat(file).hasContent("precious");
	}

	@Test
	void whenTheModeIsNotOctalThenStartupFailsNamingTheMode() {
		// what YAML makes of an unquoted 0660
		assertStartupFails(this.runner.withPropertyValues("smtpd.port=0",
				"smtpd.unix-socket.path=" + this.directory.resolve("s"), "smtpd.unix-socket.mode=432"),
				"smtpd.unix-socket.mode", "four octal digits");
		assertStartupFails(this.runner.withPropertyValues("smtpd.port=0", "smtpd.unix-socket.mode=0660"),
				"smtpd.unix-socket.mode", "Needs smtpd.unix-socket.path");
	}

	@Test
	void whenPortIsMinusOneWithoutASocketThenStartupFailsNamingThePort() {
		assertStartupFails(this.runner.withPropertyValues("smtpd.port=-1"), "smtpd.port", "unix-socket.path");
	}

}
