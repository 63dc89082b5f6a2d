package dev.smtpd.core;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import dev.smtpd.core.delivery.MaildirHandler;
import dev.smtpd.core.handler.Envelope;
import dev.smtpd.core.handler.MessageContent;
import dev.smtpd.core.handler.Reply;
import dev.smtpd.core.handler.Session;
import dev.smtpd.core.handler.SmtpHandler;
import dev.smtpd.core.test.ExternalTools;
import dev.smtpd.core.test.SmtpTestClient;
import dev.smtpd.core.test.TestServer;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What a crash leaves behind is cleaned at the next start, and nothing else: spilled
 * messages in the directories of servers that are gone, and the Maildir handler's own
 * {@code tmp/} files older than 36 hours.
 */
@Tag("transport-independent")
class CrashLeftoversTests {

	@TempDir
	Path base;

	private TestServer server;

	private TestServer other;

	@AfterEach
	void stop() {
		if (this.server != null) {
			this.server.close();
		}
		if (this.other != null) {
			this.other.close();
		}
	}

	@Test
	void spilledMessagesGoToTheServersOwnDirectoryWhichIsRemovedAtStop() throws Exception {
		List<Path> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
		this.server = TestServer
			.start((builder) -> builder.tempDirectory(this.base).memoryThreshold(1024).handler(new SmtpHandler() {

				@Override
				public @Nullable Reply data(Session session, Envelope envelope, MessageContent content)
						throws IOException {
					seen.addAll(list(spillDirectories().get(0)));
					return null;
				}

			}));
		assertThat(spillDirectories()).singleElement()
			.satisfies((directory) -> assertThat(list(directory)).extracting(this::name).containsExactly(".lock"));
		try (SmtpTestClient client = this.server.connect()) {
			client.ehlo();
			client.command("MAIL FROM:<a@example.com>", 250);
			client.command("RCPT TO:<b@example.com>", 250);
			client.command("DATA", 354);
			client.sendRaw(("x".repeat(98) + "\r\n").repeat(100) + ".\r\n");
			client.expect(250);
		}
		assertThat(seen).extracting(this::name).anyMatch((name) -> name.matches("smtpd-.*\\.msg"));
		this.server.close();
		this.server = null;
		assertThat(spillDirectories()).isEmpty();
	}

	@Test
	void atStartupTheSpillsOfServersThatAreGoneAreRemovedAndNothingElse() throws Exception {
		Path dead = Files.createDirectory(this.base.resolve("smtpd-spill-123"));
		Files.createFile(dead.resolve(".lock"));
		Files.writeString(dead.resolve("smtpd-1.msg"), "spilled");
		Path deadWithMore = Files.createDirectory(this.base.resolve("smtpd-spill-456"));
		Files.createFile(deadWithMore.resolve(".lock"));
		Files.writeString(deadWithMore.resolve("smtpd-2.msg"), "spilled");
		Files.writeString(deadWithMore.resolve("notes.txt"), "not ours");
		Path unrelated = Files.writeString(this.base.resolve("smtpd-3.msg"), "not in a spill directory");
		Path noLock = Files.createDirectory(this.base.resolve("smtpd-spill-789"));
		Files.writeString(noLock.resolve("smtpd-4.msg"), "no lock file: not ours");
		this.server = TestServer.start((builder) -> builder.tempDirectory(this.base));
		assertThat(dead).doesNotExist();
		assertThat(deadWithMore.resolve("smtpd-2.msg")).doesNotExist();
		assertThat(deadWithMore.resolve("notes.txt")).exists();
		assertThat(unrelated).exists();
		assertThat(noLock.resolve("smtpd-4.msg")).exists();
	}

	@Test
	void aSecondServerInTheSameJvmLeavesTheFirstsLiveDirectoryAlone() throws Exception {
		this.server = TestServer.start((builder) -> builder.tempDirectory(this.base));
		Path first = spillDirectories().get(0);
		Path spill = Files.writeString(first.resolve("smtpd-live.msg"), "a message being received");
		this.other = TestServer.start((builder) -> builder.tempDirectory(this.base));
		assertThat(spill).exists();
		assertThat(spillDirectories()).hasSize(2).contains(first);
	}

	@Test
	void aSecondServerInTheSameJvmKeepsTheFirstsDirectoryLockedForOtherProcesses() throws Exception {
		ExternalTools.require("python3");
		this.server = TestServer.start((builder) -> builder.tempDirectory(this.base));
		Path lock = spillDirectories().get(0).resolve(".lock");
		assertThat(lockableByAnotherProcess(lock)).as("free before the second server").isFalse();
		this.other = TestServer.start((builder) -> builder.tempDirectory(this.base));
		// on Linux closing any channel to the file would have released the first's lock,
		// and a server in another process would then remove its live directory
		assertThat(lockableByAnotherProcess(lock)).as("free after the second server").isFalse();
	}

	/**
	 * Tries the POSIX record lock of a file from another process, as a server starting
	 * there would.
	 */
	private static boolean lockableByAnotherProcess(Path lock) throws Exception {
		Process probe = new ProcessBuilder("python3", "-c",
				"import fcntl,sys\nf=open(sys.argv[1],'r+')\ntry:\n fcntl.lockf(f, fcntl.LOCK_EX|fcntl.LOCK_NB); print('free')\nexcept OSError:\n print('held')",
				lock.toString())
			.redirectErrorStream(true)
			.start();
		String answer = new String(probe.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
		assertThat(probe.waitFor(10, TimeUnit.SECONDS)).isTrue();
		assertThat(answer).isIn("free", "held");
		return answer.equals("free");
	}

	@Test
	void aDirectoryAnotherProcessHoldsIsLeftAlone() throws Exception {
		ExternalTools.require("python3");
		Path live = Files.createDirectory(this.base.resolve("smtpd-spill-999"));
		Path lock = Files.createFile(live.resolve(".lock"));
		Path spill = Files.writeString(live.resolve("smtpd-5.msg"), "another process's message");
		// a POSIX record lock, the kind FileChannel.lock takes on Linux
		Process holder = new ProcessBuilder("python3", "-c",
				"import fcntl,sys; f=open(sys.argv[1],'r+'); fcntl.lockf(f, fcntl.LOCK_EX); print('locked', flush=True); sys.stdin.read()",
				lock.toString())
			.start();
		try {
			BufferedReader out = new BufferedReader(
					new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8));
			assertThat(out.readLine()).isEqualTo("locked");
			this.server = TestServer.start((builder) -> builder.tempDirectory(this.base));
			assertThat(spill).exists();
		}
		finally {
			holder.getOutputStream().close();
			holder.waitFor(10, TimeUnit.SECONDS);
			holder.destroy();
		}
		// once that process is gone, the next start cleans up after it
		this.server.close();
		this.server = TestServer.start((builder) -> builder.tempDirectory(this.base));
		assertThat(live).doesNotExist();
	}

	@Test
	void theMaildirHandlerRemovesItsOwnTmpFilesOlderThan36Hours() throws Exception {
		Path tmp = Files.createDirectories(this.base.resolve("Maildir/tmp"));
		Instant now = Instant.now();
		Path staleOurs = file(tmp, "1700000000.M1P42Q1.mx.test.example", now.minus(Duration.ofHours(37)));
		Path staleOursOtherProcess = file(tmp, "1700000000.M2P4242Q9.mx.test.example", now.minus(Duration.ofDays(10)));
		Path recentOurs = file(tmp, "1700000000.M3P42Q2.mx.test.example", now.minus(Duration.ofHours(35)));
		Path staleOtherHost = file(tmp, "1700000000.M4P42Q3.other.example", now.minus(Duration.ofHours(40)));
		Path staleForeign = file(tmp, "courier-delivery.tmp", now.minus(Duration.ofHours(40)));
		new MaildirHandler(this.base.resolve("Maildir"), false, "mx.test.example");
		assertThat(staleOurs).doesNotExist();
		assertThat(staleOursOtherProcess).doesNotExist();
		assertThat(recentOurs).exists();
		assertThat(staleOtherHost).exists();
		assertThat(staleForeign).exists();
	}

	private static Path file(Path directory, String name, Instant modified) throws IOException {
		Path file = Files.writeString(directory.resolve(name), "partial");
		Files.setLastModifiedTime(file, FileTime.from(modified));
		return file;
	}

	private List<Path> spillDirectories() throws IOException {
		try (Stream<Path> entries = Files.list(this.base)) {
			return entries.filter((path) -> name(path).startsWith("smtpd-spill-")).sorted().toList();
		}
	}

	private static List<Path> list(Path directory) throws IOException {
		try (Stream<Path> entries = Files.list(directory)) {
			return entries.toList();
		}
	}

	private String name(Path path) {
		return path.getFileName().toString();
	}

}
