package dev.smtpd.test.spring;

import java.util.List;

import org.jspecify.annotations.Nullable;

import org.springframework.test.context.ContextConfigurationAttributes;
import org.springframework.test.context.ContextCustomizer;
import org.springframework.test.context.ContextCustomizerFactory;
import org.springframework.test.context.TestContextAnnotationUtils;

/**
 * Gives a test class annotated with {@link AutoConfigureMailCatcher} (or enclosed in one)
 * a {@link MailCatcherContextCustomizer}. Registered in
 * {@code META-INF/spring.factories}.
 */
class MailCatcherContextCustomizerFactory implements ContextCustomizerFactory {

	@Override
	public @Nullable ContextCustomizer createContextCustomizer(Class<?> testClass,
			List<ContextConfigurationAttributes> configAttributes) {
		AutoConfigureMailCatcher annotation = TestContextAnnotationUtils.findMergedAnnotation(testClass,
				AutoConfigureMailCatcher.class);
		return (annotation != null) ? new MailCatcherContextCustomizer(testClass, annotation.maxMessages()) : null;
	}

}
