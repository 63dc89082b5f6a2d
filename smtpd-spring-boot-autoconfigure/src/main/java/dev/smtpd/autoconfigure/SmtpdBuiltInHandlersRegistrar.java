package dev.smtpd.autoconfigure;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import dev.smtpd.core.handler.SmtpHandler;
import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.BeanFactoryAware;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.support.AbstractBeanDefinition;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.beans.factory.support.RootBeanDefinition;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.context.EnvironmentAware;
import org.springframework.context.annotation.ImportBeanDefinitionRegistrar;
import org.springframework.core.Ordered;
import org.springframework.core.env.Environment;
import org.springframework.core.type.AnnotationMetadata;

/**
 * Registers a bean for each built-in handler {@code smtpd.handler} names, in the order
 * listed, and the {@link SmtpdBuiltInHandlers} bean that lists them. Without
 * {@code smtpd.handler} it registers the {@code debugging} handler when no other
 * {@link SmtpHandler} bean is defined, and nothing otherwise; an empty
 * {@code smtpd.handler} registers nothing. An unknown or repeated name fails startup.
 */
class SmtpdBuiltInHandlersRegistrar implements ImportBeanDefinitionRegistrar, EnvironmentAware, BeanFactoryAware {

	static final String PROPERTY = "smtpd.handler";

	private Environment environment;

	private BeanFactory beanFactory;

	@Override
	public void setEnvironment(Environment environment) {
		this.environment = environment;
	}

	@Override
	public void setBeanFactory(BeanFactory beanFactory) {
		this.beanFactory = beanFactory;
	}

	@Override
	public void registerBeanDefinitions(AnnotationMetadata metadata, BeanDefinitionRegistry registry) {
		List<String> names = configuredNames();
		if (names == null) {
			names = hasHandlerBeans(registry) ? List.of() : List.of("debugging");
		}
		List<String> beanNames = new ArrayList<>();
		for (String name : names) {
			String beanName = SmtpdBuiltInHandlers.beanName(name);
			if (beanNames.contains(beanName)) {
				throw new InvalidConfigurationPropertyValueException(PROPERTY, String.join(",", names),
						"The handler " + name + " is listed twice");
			}
			RootBeanDefinition definition = new RootBeanDefinition(SmtpdBuiltInHandlers.type(name));
			definition.setInstanceSupplier(() -> SmtpdBuiltInHandlers.create(name, properties()));
			// after the application's handlers for anyone else who collects SmtpHandler
			// beans in order
			definition.setAttribute(AbstractBeanDefinition.ORDER_ATTRIBUTE, Ordered.LOWEST_PRECEDENCE);
			registry.registerBeanDefinition(beanName, definition);
			beanNames.add(beanName);
		}
		List<String> chosen = List.copyOf(names);
		RootBeanDefinition builtIns = new RootBeanDefinition(SmtpdBuiltInHandlers.class);
		builtIns.setInstanceSupplier(() -> new SmtpdBuiltInHandlers(chosen,
				beanNames.stream().map((beanName) -> this.beanFactory.getBean(beanName, SmtpHandler.class)).toList()));
		registry.registerBeanDefinition("smtpdBuiltInHandlers", builtIns);
	}

	/**
	 * Returns the names {@code smtpd.handler} lists, normalized and checked.
	 * @return the names, or {@code null} when the property is not set
	 */
	private @Nullable List<String> configuredNames() {
		List<String> bound = Binder.get(this.environment).bind(PROPERTY, Bindable.listOf(String.class)).orElse(null);
		if (bound == null) {
			// "smtpd.handler=" binds nothing, but it is set: no built-in handler
			return this.environment.containsProperty(PROPERTY) ? List.of() : null;
		}
		List<String> names = new ArrayList<>();
		for (String name : bound) {
			String normalized = name.strip().toLowerCase(Locale.ROOT);
			if (normalized.isEmpty()) {
				continue;
			}
			if (!SmtpdBuiltInHandlers.NAMES.contains(normalized)) {
				throw new InvalidConfigurationPropertyValueException(PROPERTY, name,
						"Unknown handler; use one or more of " + String.join(", ", SmtpdBuiltInHandlers.NAMES));
			}
			names.add(normalized);
		}
		return names;
	}

	private boolean hasHandlerBeans(BeanDefinitionRegistry registry) {
		return registry instanceof ListableBeanFactory beans
				&& beans.getBeanNamesForType(SmtpHandler.class, true, false).length > 0;
	}

	private SmtpdProperties properties() {
		return this.beanFactory.getBean(SmtpdProperties.class);
	}

}
