package dev.smtpd.core.auth;

import java.nio.charset.StandardCharsets;

import dev.smtpd.core.handler.Reply;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Credential types never show a secret in {@code toString()}.
 */
@Tag("transport-independent")
class CredentialRedactionTests {

	@Test
	void loginPasswordHidesThePassword() {
		LoginPassword credentials = new LoginPassword("alice@example.com",
				"hunter2-secret".getBytes(StandardCharsets.UTF_8));
		assertThat(credentials.toString()).contains("alice@example.com").doesNotContain("hunter2").contains("******");
		assertThat(credentials.passwordAsString()).isEqualTo("hunter2-secret");
	}

	@Test
	void loginPasswordKeepsItsOwnCopyOfThePassword() {
		byte[] password = "hunter2".getBytes(StandardCharsets.UTF_8);
		LoginPassword credentials = new LoginPassword("alice", password);
		password[0] = 'X';
		credentials.password()[1] = 'Y';
		assertThat(credentials.passwordAsString()).isEqualTo("hunter2");
	}

	@Test
	void authResultHidesTheAuthData() {
		AuthResult result = new AuthResult(true, "alice", null, "token-abc-secret");
		assertThat(result.toString()).contains("alice").doesNotContain("token-abc-secret");
		AuthResult failure = AuthResult.failure(Reply.of(454, "4.7.0", "Try later"));
		assertThat(failure.toString()).contains("454");
	}

}
