package dev.smtpd.sample;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import jakarta.mail.AuthenticationFailedException;
import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static dev.smtpd.sample.ExternalCommand.freePort;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The packaged sample app, started with {@code java -jar} as a user would, and real
 * clients.
 */
class SampleJarIT {

	private static final String JAR = System.getProperty("sample.jar");

	@TempDir
	Path directory;

	private final List<SampleAppProcess> servers = new ArrayList<>();

	@AfterEach
	void stop() throws InterruptedException {
		for (SampleAppProcess server : this.servers) {
			server.close();
		}
	}

	@Test
	void helpListsTheCommonOptionsAndExits() throws Exception {
		Result help = runCommand(List.of("--help"), null);
		assertThat(help.exitCode()).isZero();
		assertThat(help.output()).contains("--smtpd.port=8025", "--smtpd.handler=", "users add");
	}

	@Test
	void receivesMailAndStoresItInTheMaildir() throws Exception {
		Path maildir = this.directory.resolve("mail");
		int port = startServer("--smtpd.maildir.path=" + maildir);
		assertThat(this.servers.get(0).output())
			.contains("smtpd listening on 0.0.0.0:" + port + ", mail goes to " + maildir);
		Session session = mailSession(port, false);
		Transport.send(message(session, "bob@example.org", "From the jar test", "Hello\n.a leading dot\n"));
		List<Path> stored = list(maildir.resolve("new"));
		assertThat(stored).hasSize(1);
		String content = Files.readString(stored.get(0));
		assertThat(content).contains("Subject: From the jar test").contains("\r\n.a leading dot\r\n");
		// the sample's own handler refuses its domain
		MimeMessage refused = message(session, "nobody@example.invalid", "Refused", "x");
		assertThatExceptionOfType(jakarta.mail.SendFailedException.class).isThrownBy(() -> Transport.send(refused))
			.satisfies((ex) -> assertThat(String.valueOf(ex.getNextException())).contains("550 5.7.1"));
	}

	@Test
	void withoutTheSampleHandlerEachMessageIsStoredOnce() throws Exception {
		Path maildir = this.directory.resolve("mail");
		int port = startServer("--smtpd.maildir.path=" + maildir, "--sample.reject-domain=", "--smtpd.handler=maildir");
		Transport
			.send(message(mailSession(port, false), "bob@example.invalid", "Only the built-in handlers", "Hello\n"));
		List<Path> stored = list(maildir.resolve("new"));
		assertThat(stored).hasSize(1);
		assertThat(Files.readString(stored.get(0))).contains("Subject: Only the built-in handlers");
	}

	@Test
	void anEmptyHandlerListLeavesOnlyTheSampleHandler() throws Exception {
		Path maildir = this.directory.resolve("mail");
		int port = startServer("--smtpd.maildir.path=" + maildir, "--smtpd.handler=");
		Session session = mailSession(port, false);
		Transport.send(message(session, "bob@example.org", "Accepted and dropped", "Hello\n"));
		assertThat(maildir.resolve("new")).doesNotExist();
		MimeMessage refused = message(session, "nobody@example.invalid", "Refused", "x");
		assertThatExceptionOfType(jakarta.mail.SendFailedException.class).isThrownBy(() -> Transport.send(refused))
			.satisfies((ex) -> assertThat(String.valueOf(ex.getNextException())).contains("550 5.7.1"));
	}

	@Test
	void listensOnAUnixDomainSocketBesideThePort() throws Exception {
		Path socket = this.directory.resolve("smtpd.sock");
		int port = startServer("--smtpd.unix-socket.path=" + socket, "--smtpd.unix-socket.mode=0660",
				"--smtpd.handler=debugging");
		assertThat(this.servers.get(this.servers.size() - 1).output())
			.contains("smtpd listening on 0.0.0.0:" + port + " and unix:" + socket);
		try (SocketChannel client = SocketChannel.open(StandardProtocolFamily.UNIX)) {
			client.connect(UnixDomainSocketAddress.of(socket));
			OutputStream out = Channels.newOutputStream(client);
			BufferedReader in = new BufferedReader(
					new InputStreamReader(Channels.newInputStream(client), StandardCharsets.UTF_8));
			assertThat(in.readLine()).startsWith("220 ");
			out.write("QUIT\r\n".getBytes(StandardCharsets.US_ASCII));
			assertThat(in.readLine()).startsWith("221 ");
		}
		assertThat(Files.getPosixFilePermissions(socket)).isEqualTo(PosixFilePermissions.fromString("rw-rw----"));
	}

	private static MimeMessage message(Session session, String to, String subject, String text) throws Exception {
		MimeMessage message = new MimeMessage(session);
		message.setFrom(new InternetAddress("alice@example.com"));
		message.setRecipients(Message.RecipientType.TO, to);
		message.setSubject(subject);
		message.setText(text);
		return message;
	}

	@Test
	void starttlsWithTheShippedOpenSslProvider() throws Exception {
		Path key = this.directory.resolve("key.pem");
		Path certificate = this.directory.resolve("certificate.pem");
		ExternalCommand.Result made = ExternalCommand.run(List.of("openssl", "req", "-x509", "-newkey", "ec",
				"-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2", "-subj", "/CN=localhost", "-addext",
				"subjectAltName=IP:127.0.0.1", "-keyout", key.toString(), "-out", certificate.toString()),
				this.directory, null);
		assertThat(made.exitCode()).as(made.output()).isZero();
		Path maildir = this.directory.resolve("mail");
		int port = startServer("--smtpd.maildir.path=" + maildir, "--sample.reject-domain=", "--smtpd.handler=maildir",
				"--smtpd.ssl.bundle=test", "--smtpd.ssl.mode=starttls",
				"--spring.ssl.bundle.pem.test.keystore.certificate=file:" + certificate,
				"--spring.ssl.bundle.pem.test.keystore.private-key=file:" + key,
				"--logging.level.dev.smtpd.autoconfigure.tls=debug");
		assertThat(this.servers.get(0).output()).contains("TLS from SSL bundle 'test' with the OPENSSL provider");
		Session session = mailSession(port, false);
		session.getProperties().put("mail.smtp.starttls.enable", "true");
		session.getProperties().put("mail.smtp.starttls.required", "true");
		session.getProperties().put("mail.smtp.ssl.trust", "*");
		// two sessions: the second handshake takes the key material the first one cached
		for (int i = 1; i <= 2; i++) {
			Transport.send(message(session, "bob@example.org", "Over TLS " + i, "Hello\n"));
		}
		List<Path> stored = list(maildir.resolve("new"));
		assertThat(stored).hasSize(2);
		for (Path file : stored) {
			assertThat(Files.readString(file)).contains("Subject: Over TLS ");
		}
	}

	@Test
	void usersManagedFromTheCommandLineAuthenticateWithoutARestart() throws Exception {
		Path users = this.directory.resolve("users");
		String usersFile = "--smtpd.auth.users-file=" + users;
		assertThat(runCommand(List.of("users", "add", "alice@example.com", usersFile), "first-Pa55\n").exitCode())
			.isZero();
		assertThat(runCommand(List.of("users", "add", "bob@example.org", usersFile, "--encoding=argon2"), "bob-Pa55\n")
			.exitCode()).isZero();
		assertThat(runCommand(List.of("users", "add", "alice@example.com", usersFile), "again\n").exitCode()).isOne();
		Result list = runCommand(List.of("users", "list", usersFile), null);
		assertThat(list.output().lines().toList()).contains("alice@example.com", "bob@example.org");
		assertThat(list.output()).doesNotContain("{bcrypt}").doesNotContain("$2a$").doesNotContain("argon2");
		// the logins and nothing else: no log line among them
		assertThat(list.output().lines().toList()).containsExactly("alice@example.com", "bob@example.org");
		Result unknown = runCommand(List.of("users", "add", "carol@example.com", usersFile, "--encoding=md5"),
				"carol-Pa55\n");
		assertThat(unknown.exitCode()).isEqualTo(2);
		assertThat(unknown.output()).contains("Unknown encoding: md5").doesNotContain("Exception");
		Result tooLong = runCommand(List.of("users", "add", "carol@example.com", usersFile), "x".repeat(80) + "\n");
		assertThat(tooLong.exitCode()).isEqualTo(2);
		assertThat(tooLong.output()).contains("Password not taken").doesNotContain("Exception");
		assertThat(Files.readString(users)).contains("alice@example.com:{bcrypt}$2a$").doesNotContain("first-Pa55");

		int port = startServer(usersFile, "--smtpd.auth.required=true", "--smtpd.auth.require-tls=false",
				"--smtpd.handler=sink", "--smtpd.auth.failure-delay=0s");
		send(port, "PLAIN", "alice@example.com", "first-Pa55");
		send(port, "LOGIN", "alice@example.com", "first-Pa55");
		send(port, "PLAIN", "bob@example.org", "bob-Pa55");
		Result curl = runTool(List.of("curl", "--silent", "--show-error", "--url", "smtp://127.0.0.1:" + port, "--user",
				"alice@example.com:first-Pa55", "--mail-from", "alice@example.com", "--mail-rcpt", "bob@example.org",
				"--upload-file", "-"), "Subject: curl\r\n\r\nhi\r\n");
		assertThat(curl.exitCode()).as(curl.output()).isZero();

		assertThat(runCommand(List.of("users", "passwd", "alice@example.com", usersFile), "second-Pa55\n").exitCode())
			.isZero();
		assertThatExceptionOfType(AuthenticationFailedException.class)
			.isThrownBy(() -> send(port, "PLAIN", "alice@example.com", "first-Pa55"));
		send(port, "LOGIN", "alice@example.com", "second-Pa55");

		assertThat(runCommand(List.of("users", "remove", "bob@example.org", usersFile), null).exitCode()).isZero();
		assertThatExceptionOfType(AuthenticationFailedException.class)
			.isThrownBy(() -> send(port, "PLAIN", "bob@example.org", "bob-Pa55"));
		assertThat(this.servers.get(0).output()).doesNotContain("first-Pa55").doesNotContain("second-Pa55");
	}

	private void send(int port, String mechanism, String login, String password) throws Exception {
		Session session = mailSession(port, true);
		session.getProperties().put("mail.smtp.auth.mechanisms", mechanism);
		MimeMessage message = new MimeMessage(session);
		message.setFrom(new InternetAddress(login));
		message.setRecipients(Message.RecipientType.TO, "someone@example.org");
		message.setText("authenticated with " + mechanism);
		Transport.send(message, login, password);
	}

	private static Session mailSession(int port, boolean auth) {
		Properties properties = new Properties();
		properties.put("mail.smtp.host", "127.0.0.1");
		properties.put("mail.smtp.port", String.valueOf(port));
		properties.put("mail.smtp.auth", String.valueOf(auth));
		properties.put("mail.smtp.timeout", "20000");
		return Session.getInstance(properties);
	}

	@Test
	void theActuatorListensOnLoopbackOnly() throws Exception {
		int managementPort = freePort();
		int port = startServer(true, "--management.server.port=" + managementPort,
				"--smtpd.maildir.path=" + this.directory.resolve("mail"));
		HttpClient http = HttpClient.newHttpClient();
		String actuator = "http://127.0.0.1:" + managementPort + "/actuator";
		Awaitility.await()
			.atMost(Duration.ofSeconds(120))
			.ignoreExceptions()
			.untilAsserted(() -> assertThat(get(http, actuator + "/health").statusCode()).isEqualTo(200));
		// bound to 127.0.0.1, not to a wildcard address that other machines reach
		assertThat(listeningAddresses(managementPort)).containsExactly("127.0.0.1:" + managementPort);
		try (Socket client = new Socket(InetAddress.getLoopbackAddress(), port)) {
			BufferedReader in = new BufferedReader(
					new InputStreamReader(client.getInputStream(), StandardCharsets.US_ASCII));
			assertThat(in.readLine()).startsWith("220 ");
			HttpResponse<String> smtpd = get(http, actuator + "/smtpd");
			assertThat(smtpd.statusCode()).isEqualTo(200);
			String id = sessionId(smtpd.body());
			// on loopback the operator may close a session
			HttpResponse<String> closed = http.send(
					HttpRequest.newBuilder(URI.create(actuator + "/smtpd/" + id)).DELETE().build(),
					HttpResponse.BodyHandlers.ofString());
			assertThat(closed.statusCode()).isEqualTo(200);
			assertThat(in.readLine()).startsWith("421 4.3.2");
		}
	}

	@Test
	void theSmtpdEndpointCanBeMadeReadOnly() throws Exception {
		int managementPort = freePort();
		int port = startServer(true, "--management.server.port=" + managementPort,
				"--management.endpoint.smtpd.access=read-only",
				"--smtpd.maildir.path=" + this.directory.resolve("mail"));
		HttpClient http = HttpClient.newHttpClient();
		String actuator = "http://127.0.0.1:" + managementPort + "/actuator";
		Awaitility.await()
			.atMost(Duration.ofSeconds(120))
			.ignoreExceptions()
			.untilAsserted(() -> assertThat(get(http, actuator + "/health").statusCode()).isEqualTo(200));
		try (Socket client = new Socket(InetAddress.getLoopbackAddress(), port)) {
			BufferedReader in = new BufferedReader(
					new InputStreamReader(client.getInputStream(), StandardCharsets.US_ASCII));
			assertThat(in.readLine()).startsWith("220 ");
			String id = sessionId(get(http, actuator + "/smtpd").body());
			HttpResponse<String> refused = http.send(
					HttpRequest.newBuilder(URI.create(actuator + "/smtpd/" + id)).DELETE().build(),
					HttpResponse.BodyHandlers.ofString());
			// no delete operation: the selector path answers only GET
			assertThat(refused.statusCode()).isIn(404, 405);
			client.getOutputStream().write("NOOP\r\n".getBytes(StandardCharsets.US_ASCII));
			assertThat(in.readLine()).startsWith("250");
		}
	}

	private static HttpResponse<String> get(HttpClient http, String url) throws IOException, InterruptedException {
		return http.send(HttpRequest.newBuilder(URI.create(url)).GET().build(), HttpResponse.BodyHandlers.ofString());
	}

	private static String sessionId(String smtpdJson) {
		Matcher id = Pattern.compile("\"sessions\":\\[\\{\"id\":\"([^\"]+)\"").matcher(smtpdJson);
		assertThat(id.find()).as(smtpdJson).isTrue();
		return id.group(1);
	}

	/** The local addresses listening on a TCP port, from {@code ss}. */
	private static List<String> listeningAddresses(int port) throws Exception {
		assumeTrue(Stream.of(System.getenv().getOrDefault("PATH", "").split(":"))
			.anyMatch((dir) -> Files.isExecutable(Path.of(dir, "ss"))), "ss is not installed");
		Process ss = new ProcessBuilder("ss", "-ltnH", "sport = :" + port).redirectErrorStream(true).start();
		String output = new String(ss.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		assertThat(ss.waitFor()).isZero();
		// an IPv4 address on a dual-stack socket shows as [::ffff:127.0.0.1]
		return output.lines()
			.map((line) -> line.trim().split("\\s+")[3].replace("[::ffff:127.0.0.1]", "127.0.0.1"))
			.toList();
	}

	private int startServer(String... arguments) throws Exception {
		return startServer(false, arguments);
	}

	private int startServer(boolean web, String... arguments) throws Exception {
		int port = freePort();
		List<String> command = new ArrayList<>(List.of("--smtpd.port=" + port, "--logging.level.dev.smtpd=info"));
		if (!web) {
			command.add("--spring.main.web-application-type=none");
		}
		command.addAll(List.of(arguments));
		SampleAppProcess server = SampleAppProcess.start(this.directory, command);
		this.servers.add(server);
		assertThat(server.awaitOutput("smtpd listening on", Duration.ofSeconds(90)))
			.as("server started; output:\n%s", server.output())
			.isTrue();
		return port;
	}

	private Result runCommand(List<String> arguments, String stdin) throws Exception {
		List<String> command = new ArrayList<>(List.of(SampleAppProcess.java(), "-jar", JAR));
		command.addAll(arguments);
		return runTool(command, stdin);
	}

	private Result runTool(List<String> command, String stdin) throws Exception {
		Process process = new ProcessBuilder(command).directory(this.directory.toFile())
			.redirectErrorStream(true)
			.start();
		try (OutputStream in = process.getOutputStream()) {
			if (stdin != null) {
				in.write(stdin.getBytes(StandardCharsets.UTF_8));
			}
		}
		String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		assertThat(process.waitFor(90, TimeUnit.SECONDS)).isTrue();
		return new Result(process.exitValue(), output);
	}

	private static List<Path> list(Path directory) throws IOException {
		try (Stream<Path> files = Files.list(directory)) {
			return files.toList();
		}
	}

	private record Result(int exitCode, String output) {
	}

}
