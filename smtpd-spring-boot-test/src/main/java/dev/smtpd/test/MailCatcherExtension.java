package dev.smtpd.test;

import java.util.function.Consumer;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * A JUnit 5 extension that runs a {@link MailCatcher}, without Spring. In a
 * {@code static} field the catcher serves the whole test class (its {@code @Nested}
 * classes included) and is {@linkplain MailCatcher#reset() reset} after each test; in an
 * instance field each test gets a catcher of its own. Test classes that run in parallel
 * each have their own catcher, on their own port, so they never see each other's mail.
 * <pre class="code">
 * &#64;RegisterExtension
 * static MailCatcherExtension mail = new MailCatcherExtension();
 *
 * &#64;Test
 * void sendsWelcomeMail() {
 *     new WelcomeMailer("127.0.0.1", mail.port()).send("bob@example.com");
 *     assertThat(mail.inbox()).hasMessages(1);
 * }
 * </pre> Test methods may also declare a {@link MailCatcher}, {@link Inbox} or
 * {@link Faults} parameter.
 */
public class MailCatcherExtension
		implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback, ParameterResolver {

	private final Consumer<MailCatcher.Builder> customizer;

	private @Nullable MailCatcher catcher;

	private boolean perClass;

	/** The test class that started the catcher, which alone closes it. */
	private @Nullable String owner;

	/**
	 * Creates an extension with a catcher of the default settings.
	 */
	public MailCatcherExtension() {
		this((builder) -> {
		});
	}

	/**
	 * Creates an extension whose catcher has other settings.
	 * @param customizer adjusts the catcher's builder
	 */
	public MailCatcherExtension(Consumer<MailCatcher.Builder> customizer) {
		this.customizer = customizer;
	}

	@Override
	public void beforeAll(ExtensionContext context) {
		// called only when registered in a static field, and again for each @Nested
		// class,
		// whose tests share the enclosing class's catcher
		this.perClass = true;
		if (this.catcher == null) {
			this.catcher = start();
			this.owner = context.getUniqueId();
		}
	}

	@Override
	public void beforeEach(ExtensionContext context) {
		if (this.catcher == null) {
			this.catcher = start();
		}
	}

	@Override
	public void afterEach(ExtensionContext context) {
		MailCatcher catcher = this.catcher;
		if (catcher == null) {
			return;
		}
		if (this.perClass) {
			catcher.reset();
		}
		else {
			catcher.close();
			this.catcher = null;
		}
	}

	@Override
	public void afterAll(ExtensionContext context) {
		MailCatcher catcher = this.catcher;
		if (catcher != null && context.getUniqueId().equals(this.owner)) {
			catcher.close();
			this.catcher = null;
			this.owner = null;
		}
	}

	private MailCatcher start() {
		MailCatcher.Builder builder = MailCatcher.builder();
		this.customizer.accept(builder);
		return builder.start();
	}

	/**
	 * Returns the running catcher.
	 * @return the catcher
	 * @throws IllegalStateException outside a test
	 */
	public MailCatcher catcher() {
		MailCatcher catcher = this.catcher;
		if (catcher == null) {
			throw new IllegalStateException("The mail catcher runs only while a test runs");
		}
		return catcher;
	}

	/**
	 * Returns the catcher's port.
	 * @return the port on {@code 127.0.0.1}
	 */
	public int port() {
		return catcher().port();
	}

	/**
	 * Returns the catcher's inbox.
	 * @return the inbox
	 */
	public Inbox inbox() {
		return catcher().inbox();
	}

	/**
	 * Returns the catcher's faults.
	 * @return the faults
	 */
	public Faults faults() {
		return catcher().faults();
	}

	@Override
	public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
		Class<?> type = parameter.getParameter().getType();
		return type == MailCatcher.class || type == Inbox.class || type == Faults.class;
	}

	@Override
	public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
		Class<?> type = parameter.getParameter().getType();
		if (type == Inbox.class) {
			return inbox();
		}
		return (type == Faults.class) ? faults() : catcher();
	}

}
