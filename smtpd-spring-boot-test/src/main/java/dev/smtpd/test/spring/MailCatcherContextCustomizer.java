package dev.smtpd.test.spring;

import java.util.Map;
import java.util.Objects;

import dev.smtpd.test.MailCatcher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.beans.factory.support.DefaultSingletonBeanRegistry;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.MapPropertySource;
import org.springframework.test.context.ContextCustomizer;
import org.springframework.test.context.MergedContextConfiguration;

/**
 * Starts the catcher before the context refreshes, so its port is known when the mail
 * auto-configuration binds {@code spring.mail.*}, and closes it with the context. Equal
 * only for the same test class: each class gets its own context and catcher.
 */
class MailCatcherContextCustomizer implements ContextCustomizer {

	/** The bean name of the {@link MailCatcher}. */
	static final String BEAN_NAME = "mailCatcher";

	private static final Logger logger = LoggerFactory.getLogger(MailCatcherContextCustomizer.class);

	private final Class<?> testClass;

	private final int maxMessages;

	MailCatcherContextCustomizer(Class<?> testClass, int maxMessages) {
		this.testClass = testClass;
		this.maxMessages = maxMessages;
	}

	@Override
	public void customizeContext(ConfigurableApplicationContext context, MergedContextConfiguration merged) {
		MailCatcher catcher = MailCatcher.builder().maxMessages(this.maxMessages).start();
		context.getEnvironment()
			.getPropertySources()
			.addFirst(new MapPropertySource("mailCatcher", Map.of("spring.mail.host", catcher.host(),
					"spring.mail.port", catcher.port(), "smtpd.test.mail-catcher.port", catcher.port())));
		ConfigurableListableBeanFactory beans = context.getBeanFactory();
		beans.registerSingleton(BEAN_NAME, catcher);
		beans.registerSingleton("mailCatcherInbox", catcher.inbox());
		beans.registerSingleton("mailCatcherFaults", catcher.faults());
		if (beans instanceof DefaultSingletonBeanRegistry registry) {
			registry.registerDisposableBean(BEAN_NAME, catcher::close);
		}
		logger.info("Mail catcher for {} on {}:{}, started in {} ms", this.testClass.getSimpleName(), catcher.host(),
				catcher.port(), catcher.startupTime().toMillis());
	}

	@Override
	public boolean equals(Object other) {
		return other instanceof MailCatcherContextCustomizer that && this.testClass == that.testClass
				&& this.maxMessages == that.maxMessages;
	}

	@Override
	public int hashCode() {
		return Objects.hash(this.testClass, this.maxMessages);
	}

}
