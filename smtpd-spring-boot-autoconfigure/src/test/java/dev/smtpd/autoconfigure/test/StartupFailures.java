package dev.smtpd.autoconfigure.test;

import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Asserts that a context fails to start over one property, as a user would read it.
 */
public final class StartupFailures {

	private StartupFailures() {
	}

	/**
	 * Runs the context and asserts that it failed with an
	 * {@link InvalidConfigurationPropertyValueException} for the property, whose message,
	 * value or reason contains the text.
	 * @param runner the runner
	 * @param property the property's name
	 * @param text what the failure says
	 */
	public static void assertStartupFails(ApplicationContextRunner runner, String property, String text) {
		runner.run((context) -> {
			assertThat(context).hasFailed();
			Throwable cause = context.getStartupFailure();
			while (cause != null && !(cause instanceof InvalidConfigurationPropertyValueException)) {
				// not an exception of its own making on the way (Throwable.initCause's)
				assertThat(String.valueOf(cause.getMessage())).as("failure %s", context.getStartupFailure())
					.doesNotStartWith("Can't overwrite cause");
				cause = cause.getCause();
			}
			assertThat(cause).as("failure %s", context.getStartupFailure())
				.isInstanceOfSatisfying(InvalidConfigurationPropertyValueException.class, (invalid) -> {
					assertThat(invalid.getName()).isEqualTo(property);
					assertThat(invalid.getMessage() + " " + invalid.getValue() + " " + invalid.getReason())
						.contains(text);
				});
		});
	}

}
