package dev.smtpd.test.spring;

import java.util.concurrent.CompletableFuture;

import dev.smtpd.test.MailCatcher;
import org.jspecify.annotations.Nullable;

import org.springframework.core.env.EnumerablePropertySource;

/**
 * {@code spring.mail.host} and {@code spring.mail.port} of the catcher; the port, and
 * {@code smtpd.test.mail-catcher.port}, wait for the catcher to listen the first time
 * they are read (when the mail auto-configuration binds its properties), so the catcher
 * starts while the context does.
 */
class MailCatcherPropertySource extends EnumerablePropertySource<CompletableFuture<MailCatcher>> {

	static final String NAME = "mailCatcher";

	private static final String[] NAMES = { "spring.mail.host", "spring.mail.port", "smtpd.test.mail-catcher.port" };

	MailCatcherPropertySource(CompletableFuture<MailCatcher> catcher) {
		super(NAME, catcher);
	}

	@Override
	public String[] getPropertyNames() {
		return NAMES.clone();
	}

	@Override
	public @Nullable Object getProperty(String name) {
		return switch (name) {
			case "spring.mail.host" -> MailCatcher.HOST;
			case "spring.mail.port", "smtpd.test.mail-catcher.port" -> getSource().join().port();
			default -> null;
		};
	}

}
