package dev.smtpd.core.test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Real clients the tests run (swaks, openssl, python3, Postfix's smtp-source). A missing
 * tool skips its test, unless {@code SMTPD_REQUIRE_TOOLS=1} (set by CI), where it fails
 * it.
 */
public final class ExternalTools {

	private ExternalTools() {
	}

	/**
	 * Requires a tool on the {@code PATH}.
	 * @param tool the command's name
	 */
	public static void require(String tool) {
		boolean present = List.of(System.getenv().getOrDefault("PATH", "").split(":"))
			.stream()
			.anyMatch((dir) -> Files.isExecutable(Path.of(dir, tool)));
		if ("1".equals(System.getenv("SMTPD_REQUIRE_TOOLS"))) {
			assertThat(present).as(tool + " must be installed").isTrue();
		}
		assumeTrue(present, tool + " is not installed");
	}

}
