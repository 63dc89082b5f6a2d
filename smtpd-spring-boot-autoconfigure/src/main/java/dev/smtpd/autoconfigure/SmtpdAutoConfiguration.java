package dev.smtpd.autoconfigure;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Executor;

import dev.smtpd.autoconfigure.context.SmtpServerDrain;
import dev.smtpd.autoconfigure.context.SmtpServerLifecycle;
import dev.smtpd.autoconfigure.tls.SslBundleSslContexts;
import dev.smtpd.core.InvalidSettingException;
import dev.smtpd.core.SmtpServer;
import dev.smtpd.core.SmtpServerConfig;
import dev.smtpd.core.auth.AuthMechanism;
import dev.smtpd.core.auth.Authenticator;
import dev.smtpd.core.event.SmtpServerListener;
import dev.smtpd.core.handler.RateLimiter;
import dev.smtpd.core.handler.SmtpCommand;
import dev.smtpd.core.ratelimit.InMemoryRateLimiter;
import dev.smtpd.core.handler.SmtpHandler;
import io.netty.handler.ssl.ClientAuth;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.boot.autoconfigure.condition.ConditionalOnThreading;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.ssl.NoSuchSslBundleException;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.boot.thread.Threading;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.task.SimpleAsyncTaskExecutor;

/**
 * Auto-configuration of the embedded SMTP server: a {@link SmtpServer} built from the
 * {@code smtpd.*} properties and the {@link SmtpHandler}, {@link SmtpCommand},
 * {@link Authenticator}, {@link AuthMechanism}, {@link SmtpServerListener} and
 * {@link SmtpServerCustomizer} beans of the context, started and stopped with it. The
 * handler chain is the application's {@link SmtpHandler} beans in
 * {@link org.springframework.core.annotation.Order order}, then the built-in handlers
 * {@code smtpd.handler} lists ({@link SmtpdBuiltInHandlers}).
 */
@AutoConfiguration(afterName = "org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration")
@ConditionalOnClass(SmtpServer.class)
@ConditionalOnBooleanProperty(name = "smtpd.enabled", matchIfMissing = true)
@EnableConfigurationProperties(SmtpdProperties.class)
public final class SmtpdAutoConfiguration {

	/** The bean name of the executor that runs handler hooks on virtual threads. */
	public static final String HOOK_EXECUTOR_BEAN_NAME = "smtpdHookExecutor";

	private static final Logger logger = LoggerFactory.getLogger(SmtpdAutoConfiguration.class);

	@Bean
	@ConditionalOnMissingBean
	SmtpServer smtpServer(SmtpdProperties properties, ObjectProvider<SmtpHandler> handlers,
			ObjectProvider<SmtpCommand> commands, ObjectProvider<Authenticator> authenticator,
			ObjectProvider<AuthMechanism> mechanisms, ObjectProvider<SmtpServerListener> listeners,
			ObjectProvider<SmtpServerCustomizer> customizers, ObjectProvider<SmtpdBuiltInHandlers> builtInHandlers,
			ObjectProvider<SmtpdSslContexts> sslContexts, ObjectProvider<RateLimiter> rateLimiter,
			@org.springframework.beans.factory.annotation.Qualifier(HOOK_EXECUTOR_BEAN_NAME) ObjectProvider<Executor> hookExecutor) {
		SmtpdSslContexts ssl = sslContexts.getIfAvailable();
		List<SmtpHandler> chain = handlers.orderedStream().toList();
		SmtpdBuiltInHandlers builtIns = builtInHandlers.getIfAvailable();
		if (builtIns != null) {
			chain = builtIns.appendTo(chain);
		}
		SmtpServerBuilders.Collaborators beans = new SmtpServerBuilders.Collaborators(chain,
				commands.orderedStream().toList(), authenticator.getIfUnique(), mechanisms.orderedStream().toList(),
				listeners.orderedStream().toList(), hookExecutor.getIfAvailable(),
				(ssl != null) ? ssl.contexts() : null, activeRateLimiter(rateLimiter.getIfUnique()));
		SmtpServer.Builder builder = SmtpServerBuilders.create(properties, beans);
		customizers.orderedStream().forEach((customizer) -> customizer.customize(builder));
		SmtpServer server;
		try {
			server = builder.build();
		}
		catch (InvalidSettingException ex) { // what depends on the beans: the mechanisms
			throw SmtpServerBuilders.invalidProperty(ex);
		}
		if (server.handlers().isEmpty()) {
			// an empty chain would answer 250 to every message and keep none
			throw new InvalidConfigurationPropertyValueException("smtpd.handler", "",
					"No handler would take the mail: declare an SmtpHandler bean, or name a built-in handler "
							+ "(sink accepts and drops every message)");
		}
		warnIfAuthCannotBeOffered(server, beans.authenticator());
		return server;
	}

	/**
	 * The built-in limiter with every limit off limits nothing: the server goes without
	 * one, so no connection or command asks it.
	 */
	private static @Nullable RateLimiter activeRateLimiter(@Nullable RateLimiter limiter) {
		return (limiter instanceof InMemoryRateLimiter inMemory && !inMemory.limits().isEnabled()) ? null : limiter;
	}

	/**
	 * The built-in rate limiter, on the {@code smtpd.rate-limit.*} limits; a
	 * {@link RateLimiter} bean of the application replaces it.
	 * @param properties the properties
	 * @return the limiter
	 */
	@Bean
	@ConditionalOnMissingBean(RateLimiter.class)
	InMemoryRateLimiter smtpdRateLimiter(SmtpdProperties properties) {
		return new InMemoryRateLimiter(SmtpServerBuilders.rateLimits(properties));
	}

	/**
	 * Users or an authenticator, with AUTH allowed only over TLS and no TLS: no client
	 * will ever see AUTH offered, which looks like a broken authenticator rather than a
	 * missing certificate.
	 */
	private static void warnIfAuthCannotBeOffered(SmtpServer server, @Nullable Authenticator authenticator) {
		SmtpServerConfig config = server.config();
		if (authenticator != null && config.auth().requireTls() && config.tls().mode() == null) {
			logger.warn("SMTP AUTH will never be offered: there is an Authenticator (a bean, or smtpd.auth.users "
					+ "or smtpd.auth.users-file) but AUTH is allowed only over TLS (smtpd.auth.require-tls, true by "
					+ "default) and no TLS is configured. Set smtpd.ssl.bundle, or smtpd.auth.require-tls=false "
					+ "where plaintext passwords are acceptable (tests, a local network)");
		}
	}

	@Bean
	@ConditionalOnMissingBean
	@ConditionalOnSingleCandidate(SmtpServer.class)
	SmtpServerLifecycle smtpServerLifecycle(SmtpServer server, ConfigurableEnvironment environment,
			ApplicationEventPublisher publisher) {
		Duration phaseTimeout = environment.getProperty("spring.lifecycle.timeout-per-shutdown-phase", Duration.class,
				Duration.ofSeconds(30));
		// leave a little of the phase for closing what is left after the grace period
		Duration grace = phaseTimeout.minus(phaseTimeout.dividedBy(10));
		return new SmtpServerLifecycle(server, environment, publisher, grace);
	}

	@Bean
	@ConditionalOnMissingBean
	@ConditionalOnSingleCandidate(SmtpServer.class)
	SmtpServerDrain smtpServerDrain(SmtpServer server, SmtpdProperties properties) {
		Duration delay = properties.getDrainDelay();
		if (delay.isNegative()) {
			throw new InvalidConfigurationPropertyValueException("smtpd.drain-delay", delay,
					"Must not be negative (0 closes the listener as soon as the application shuts down)");
		}
		return new SmtpServerDrain(server, delay);
	}

	/**
	 * The built-in handlers {@code smtpd.handler} names, as beans appended to the
	 * application's.
	 */
	@Configuration(proxyBeanMethods = false)
	@ConditionalOnMissingBean(SmtpServer.class)
	@Import(SmtpdBuiltInHandlersRegistrar.class)
	static class BuiltInHandlersConfiguration {

	}

	/**
	 * Runs handler hooks on virtual threads when
	 * {@code spring.threads.virtual.enabled=true} on Java 21+. Without it the server uses
	 * its own bounded pool.
	 */
	@Configuration(proxyBeanMethods = false)
	@ConditionalOnThreading(Threading.VIRTUAL)
	static class VirtualThreadsConfiguration {

		@Bean(name = HOOK_EXECUTOR_BEAN_NAME)
		@ConditionalOnMissingBean(name = HOOK_EXECUTOR_BEAN_NAME)
		SimpleAsyncTaskExecutor smtpdHookExecutor() {
			SimpleAsyncTaskExecutor executor = new SimpleAsyncTaskExecutor("smtpd-hook-");
			executor.setVirtualThreads(true);
			return executor;
		}

	}

	/**
	 * TLS from the SSL bundle {@code smtpd.ssl.bundle} names.
	 */
	@Configuration(proxyBeanMethods = false)
	@ConditionalOnProperty("smtpd.ssl.bundle")
	@ConditionalOnClass(name = "io.netty.handler.ssl.SslContext")
	static class SslConfiguration {

		@Bean
		@ConditionalOnMissingBean
		SmtpdSslContexts smtpdSslContexts(SmtpdProperties properties, ObjectProvider<SslBundles> bundles) {
			SmtpdProperties.Ssl ssl = properties.getSsl();
			String name = ssl.getBundle();
			SslBundles available = bundles.getIfAvailable();
			if (available == null) {
				throw new InvalidConfigurationPropertyValueException("smtpd.ssl.bundle", name,
						"No SSL bundles are configured (spring.ssl.bundle.*)");
			}
			ClientAuth clientAuth = switch (ssl.getClientAuth()) {
				case NONE -> ClientAuth.NONE;
				case WANT -> ClientAuth.OPTIONAL;
				case NEED -> ClientAuth.REQUIRE;
			};
			boolean forceJdk = ssl.getProvider() == SmtpdProperties.Ssl.Provider.JDK;
			try {
				return new SmtpdSslContexts(new SslBundleSslContexts(available, name, clientAuth, forceJdk));
			}
			catch (NoSuchSslBundleException ex) {
				throw new InvalidConfigurationPropertyValueException("smtpd.ssl.bundle", name,
						"No SSL bundle with this name (spring.ssl.bundle.*)");
			}
			catch (IllegalStateException ex) {
				throw new InvalidConfigurationPropertyValueException("smtpd.ssl.bundle", name, ex.getMessage());
			}
		}

	}

	/**
	 * The server's TLS contexts, as a bean so health and tests can see the certificate in
	 * use.
	 *
	 * @param contexts the contexts
	 */
	public record SmtpdSslContexts(SslBundleSslContexts contexts) {
	}

}
