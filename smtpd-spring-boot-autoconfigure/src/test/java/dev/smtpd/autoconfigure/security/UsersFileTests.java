package dev.smtpd.autoconfigure.security;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import dev.smtpd.core.auth.AuthResult;
import dev.smtpd.core.auth.LoginPassword;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.security.crypto.factory.PasswordEncoderFactories;
import org.springframework.security.crypto.password.PasswordEncoder;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The users file and the password authenticator over it.
 */
class UsersFileTests {

	private final PasswordEncoder encoder = PasswordEncoderFactories.createDelegatingPasswordEncoder();

	@TempDir
	Path directory;

	@Test
	void readsUsersSkipsCommentsAndReportsMalformedLinesByNumber() throws IOException {
		Path path = this.directory.resolve("users");
		Files.writeString(path, """
				# mail users
				alice@example.com:{noop}a

				no-colon-here
				bob@example.org:plaintext
				carol@example.net:{noop}c
				alice@example.com:{noop}again
				""", StandardCharsets.UTF_8);
		UsersFile file = new UsersFile(path);
		assertThat(file.users()).containsExactly(Map.entry("alice@example.com", "{noop}a"),
				Map.entry("carol@example.net", "{noop}c"));
		assertThat(file.problems()).containsExactly("line 4: missing ':' between login and password",
				"line 5: password must be encoded with an {id} prefix, such as {bcrypt}",
				"line 7: login 'alice@example.com' appears twice");
		assertThat(String.join("\n", file.problems())).doesNotContain("plaintext");
	}

	@Test
	void changesAreSeenWithoutARestart() throws IOException {
		Path path = this.directory.resolve("users");
		UsersFile file = new UsersFile(path);
		assertThat(file.users()).isEmpty();
		Files.writeString(path, "alice:{noop}one\n");
		assertThat(file.users()).containsEntry("alice", "{noop}one");
		Files.writeString(path, "alice:{noop}two\n");
		// same size: a new modification time must still be noticed
		Files.setLastModifiedTime(path, FileTime.from(Instant.now().plusSeconds(5)));
		assertThat(file.users()).containsEntry("alice", "{noop}two");
		Files.delete(path);
		assertThat(file.users()).isEmpty();
	}

	@Test
	void putAndRemoveKeepCommentsAndOtherUsers() throws IOException {
		Path path = this.directory.resolve("sub/users");
		UsersFile file = new UsersFile(path);
		assertThat(file.put("alice@example.com", "{noop}a")).isFalse();
		Files.writeString(path, Files.readString(path) + "# keep me\n");
		assertThat(file.put("bob@example.com", "{noop}b")).isFalse();
		assertThat(file.put("alice@example.com", "{noop}a2")).isTrue();
		assertThat(file.remove("bob@example.com")).isTrue();
		assertThat(file.remove("nobody")).isFalse();
		assertThat(file.users()).containsExactly(Map.entry("alice@example.com", "{noop}a2"));
		assertThat(Files.readString(path)).contains("# keep me");
		try (var files = Files.list(path.getParent())) {
			// no temporary file left: the file, and the lock that changes take
			assertThat(files.map((entry) -> entry.getFileName().toString())).containsExactlyInAnyOrder("users",
					"users.lock");
		}
	}

	@Test
	void authenticatorChecksEveryEncodingAndSeesNewPasswordsAtOnce() throws IOException {
		Path path = this.directory.resolve("users");
		UsersFile file = new UsersFile(path);
		file.put("bcrypt@example.com", this.encoder.encode("pw-bcrypt"));
		file.put("pbkdf2@example.com",
				"{pbkdf2@SpringSecurity_v5_8}" + org.springframework.security.crypto.password.Pbkdf2PasswordEncoder
					.defaultsForSpringSecurity_v5_8()
					.encode("pw-pbkdf2"));
		file.put("argon2@example.com",
				"{argon2@SpringSecurity_v5_8}" + org.springframework.security.crypto.argon2.Argon2PasswordEncoder
					.defaultsForSpringSecurity_v5_8()
					.encode("pw-argon2"));
		PasswordAuthenticator authenticator = new PasswordAuthenticator(file::users, this.encoder);
		assertThat(check(authenticator, "bcrypt@example.com", "pw-bcrypt").success()).isTrue();
		assertThat(check(authenticator, "pbkdf2@example.com", "pw-pbkdf2").success()).isTrue();
		assertThat(check(authenticator, "argon2@example.com", "pw-argon2").success()).isTrue();
		assertThat(check(authenticator, "bcrypt@example.com", "wrong").success()).isFalse();
		assertThat(check(authenticator, "nobody@example.com", "pw-bcrypt").success()).isFalse();
		file.put("bcrypt@example.com", this.encoder.encode("new-password"));
		assertThat(check(authenticator, "bcrypt@example.com", "pw-bcrypt").success()).isFalse();
		assertThat(check(authenticator, "bcrypt@example.com", "new-password").identity())
			.isEqualTo("bcrypt@example.com");
	}

	@Test
	void unknownEncodingIsAFailedLoginNotAnError() {
		PasswordAuthenticator authenticator = new PasswordAuthenticator(() -> Map.of("x", "{rot13}nope"), this.encoder);
		assertThat(check(authenticator, "x", "nope").success()).isFalse();
	}

	private static AuthResult check(PasswordAuthenticator authenticator, String login, String password) {
		return authenticator.authenticate(null, "PLAIN",
				new LoginPassword(login, password.getBytes(StandardCharsets.UTF_8)));
	}

	@Test
	void loginsThatCouldNotBeReadBackAreRefused() {
		// '#' would make the line a comment, other white space would be stripped away
		assertThat(UsersFile.checkLogin("#carol@example.com")).contains("'#'");
		assertThat(UsersFile.checkLogin("\u2003frank@example.com")).contains("spaces");
		assertThat(UsersFile.checkLogin("fr\u00a0ank@example.com")).contains("spaces");
		assertThat(UsersFile.checkLogin("j\u00fcrgen@example.com")).isNull();
	}

	@Test
	void aChangeKeepsTheFilesPermissionsAndGroupAndFollowsALink() throws IOException {
		Path real = Files.createDirectories(this.directory.resolve("real")).resolve("users");
		Files.writeString(real, "alice@example.com:{noop}a\n");
		Files.setPosixFilePermissions(real, PosixFilePermissions.fromString("rw-r-----"));
		Path link = Files.createSymbolicLink(this.directory.resolve("users"), real);
		new UsersFile(link).put("bob@example.com", "{noop}b");
		assertThat(Files.isSymbolicLink(link)).isTrue();
		assertThat(Files.readString(real)).contains("alice@example.com:{noop}a", "bob@example.com:{noop}b");
		assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(real))).isEqualTo("rw-r-----");
		// the lock a change takes is the file's to take for whoever may change the file
		assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(real.resolveSibling("users.lock"))))
			.isEqualTo("rw-r-----");
		Path dangling = Files.createSymbolicLink(this.directory.resolve("later"), Path.of("real/later-users"));
		new UsersFile(dangling).put("dave@example.com", "{noop}d");
		assertThat(Files.isSymbolicLink(dangling)).isTrue();
		assertThat(Files.readString(real.resolveSibling("later-users"))).contains("dave@example.com:{noop}d");
		Path fresh = this.directory.resolve("fresh");
		new UsersFile(fresh).put("carol@example.com", "{noop}c");
		assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(fresh))).isEqualTo("rw-------");
	}

	@Test
	void addLeavesAnExistingLoginAlone() throws IOException {
		UsersFile file = new UsersFile(this.directory.resolve("users"));
		assertThat(file.add("alice@example.com", "{noop}first")).isTrue();
		assertThat(file.add("alice@example.com", "{noop}second")).isFalse();
		assertThat(file.users()).containsExactly(Map.entry("alice@example.com", "{noop}first"));
	}

	@Test
	void changesAtTheSameTimeAreAllKept() throws Exception {
		Path path = this.directory.resolve("users");
		ExecutorService writers = Executors.newFixedThreadPool(4);
		try {
			List<Future<Boolean>> changes = new ArrayList<>();
			for (int i = 0; i < 40; i++) {
				String login = "user" + i + "@example.com";
				// a file of its own for each, as each command of the CLI has
				changes.add(writers.submit(() -> new UsersFile(path).put(login, "{noop}pw")));
			}
			for (Future<Boolean> change : changes) {
				assertThat(change.get(30, TimeUnit.SECONDS)).isFalse();
			}
		}
		finally {
			writers.shutdownNow();
		}
		assertThat(new UsersFile(path).users()).hasSize(40);
	}

}
