package dev.smtpd.autoconfigure.observation;

import dev.smtpd.core.SmtpServer;
import io.micrometer.observation.ObservationRegistry;

import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.util.ClassUtils;

/**
 * Observations of SMTP sessions and mail transactions, when the application has an
 * {@link ObservationRegistry}; conventions can be replaced by beans. Every answered
 * command is an event when the context has a Micrometer Tracing {@code Tracer} (so spans
 * show them), only refused ones otherwise.
 */
@AutoConfiguration(
		afterName = "org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration")
@ConditionalOnClass({ SmtpServer.class, ObservationRegistry.class })
@ConditionalOnBean(ObservationRegistry.class)
@ConditionalOnBooleanProperty(name = "smtpd.enabled", matchIfMissing = true)
public final class SmtpdObservationAutoConfiguration {

	private static final String TRACER = "io.micrometer.tracing.Tracer";

	@Bean
	@ConditionalOnMissingBean
	SmtpdObservations smtpdObservations(ObservationRegistry registry,
			ObjectProvider<SmtpSessionObservationConvention> sessionConvention,
			ObjectProvider<SmtpTransactionObservationConvention> transactionConvention,
			ListableBeanFactory beanFactory) {
		return new SmtpdObservations(registry, sessionConvention.getIfUnique(), transactionConvention.getIfUnique(),
				hasTracer(beanFactory));
	}

	private static boolean hasTracer(ListableBeanFactory beanFactory) {
		ClassLoader classLoader = SmtpdObservationAutoConfiguration.class.getClassLoader();
		if (!ClassUtils.isPresent(TRACER, classLoader)) {
			return false;
		}
		return beanFactory.getBeanNamesForType(ClassUtils.resolveClassName(TRACER, classLoader), true,
				false).length > 0;
	}

}
