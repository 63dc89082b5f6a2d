package dev.smtpd.test.spring;

import java.util.Objects;
import java.util.concurrent.CompletableFuture;

import dev.smtpd.test.Faults;
import dev.smtpd.test.Inbox;
import dev.smtpd.test.MailCatcher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.beans.factory.support.DefaultSingletonBeanRegistry;
import org.springframework.beans.factory.support.RootBeanDefinition;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.event.ContextRefreshedEvent;
import org.springframework.test.context.ContextCustomizer;
import org.springframework.test.context.MergedContextConfiguration;

/**
 * Starts the catcher while the context refreshes (on a thread of its own, so its startup
 * overlaps the context's), points {@code spring.mail.host} and {@code spring.mail.port}
 * at it, registers it, its inbox and its faults as beans, and closes it with the context.
 * Equal only for the same test class: each class gets its own context and catcher.
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
		CompletableFuture<MailCatcher> catcher = new CompletableFuture<>();
		Thread starter = new Thread(() -> {
			try {
				catcher.complete(MailCatcher.builder().maxMessages(this.maxMessages).start());
			}
			catch (Throwable ex) {
				catcher.completeExceptionally(ex);
			}
		}, "mail-catcher-start");
		starter.setDaemon(true);
		starter.start();
		context.getEnvironment().getPropertySources().addFirst(new MailCatcherPropertySource(catcher));
		ConfigurableListableBeanFactory beans = context.getBeanFactory();
		if (beans instanceof BeanDefinitionRegistry registry) {
			registry.registerBeanDefinition(BEAN_NAME, definition(MailCatcher.class, catcher::join));
			registry.registerBeanDefinition("mailCatcherInbox", definition(Inbox.class, () -> catcher.join().inbox()));
			registry.registerBeanDefinition("mailCatcherFaults",
					definition(Faults.class, () -> catcher.join().faults()));
		}
		if (beans instanceof DefaultSingletonBeanRegistry registry) {
			// closed with the context even if nothing asked for the bean
			registry.registerDisposableBean(BEAN_NAME + "Stopper", () -> catcher.join().close());
		}
		context.addApplicationListener((event) -> {
			if (event instanceof ContextRefreshedEvent refreshed && refreshed.getApplicationContext() == context) {
				long waiting = System.nanoTime();
				MailCatcher started = catcher.join();
				logger.info("Mail catcher for {} on {}:{}: started in {} ms beside the context, ready {} ms after it",
						this.testClass.getSimpleName(), started.host(), started.port(),
						started.startupTime().toMillis(), (System.nanoTime() - waiting) / 1_000_000);
			}
		});
	}

	private static <T> RootBeanDefinition definition(Class<T> type, java.util.function.Supplier<T> supplier) {
		RootBeanDefinition definition = new RootBeanDefinition(type, supplier);
		definition.setRole(org.springframework.beans.factory.config.BeanDefinition.ROLE_INFRASTRUCTURE);
		return definition;
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
