package com.example.support;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The README shows this module's main code verbatim, so that what a reader pastes is what
 * {@link SupportApplicationTests} runs.
 */
class ReadmeTests {

	@Test
	void readmeShowsTheExampleVerbatim() throws IOException {
		String readme = Files.readString(Path.of("..", "README.md"));
		for (String file : new String[] { "src/main/resources/application.yml",
				"src/main/java/com/example/support/SupportApplication.java",
				"src/main/java/com/example/support/TicketService.java" }) {
			assertThat(readme).as(file).contains(Files.readString(Path.of(file)));
		}
	}

}
