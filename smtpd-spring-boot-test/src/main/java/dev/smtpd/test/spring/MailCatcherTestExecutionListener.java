package dev.smtpd.test.spring;

import dev.smtpd.test.MailCatcher;

import org.springframework.test.context.TestContext;
import org.springframework.test.context.TestContextAnnotationUtils;
import org.springframework.test.context.support.AbstractTestExecutionListener;

/**
 * Resets the {@link MailCatcher} of a class annotated with
 * {@link AutoConfigureMailCatcher} before each test method (messages, faults and
 * transcript), and closes the class's context after the class, which stops its catcher.
 * Registered in {@code META-INF/spring.factories}.
 */
public class MailCatcherTestExecutionListener extends AbstractTestExecutionListener {

	/** Runs after the dependency injection listener (2000). */
	public static final int ORDER = 2100;

	@Override
	public int getOrder() {
		return ORDER;
	}

	@Override
	public void beforeTestMethod(TestContext testContext) {
		if (isAnnotated(testContext)) {
			testContext.getApplicationContext()
				.getBean(MailCatcherContextCustomizer.BEAN_NAME, MailCatcher.class)
				.reset();
		}
	}

	@Override
	public void afterTestClass(TestContext testContext) {
		if (isAnnotated(testContext)) {
			// the context belongs to this class alone: no other class will use it
			testContext.markApplicationContextDirty(null);
		}
	}

	private static boolean isAnnotated(TestContext testContext) {
		return TestContextAnnotationUtils.hasAnnotation(testContext.getTestClass(), AutoConfigureMailCatcher.class);
	}

}
