package dev.smtpd.sample;

import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

import dev.smtpd.autoconfigure.SmtpdProperties;
import dev.smtpd.autoconfigure.context.SmtpServerStartedEvent;
import dev.smtpd.core.auth.AuthResult;
import dev.smtpd.core.auth.Authenticator;
import dev.smtpd.core.auth.LoginPassword;
import dev.smtpd.core.handler.Envelope;
import dev.smtpd.core.handler.RcptOptions;
import dev.smtpd.core.handler.Reply;
import dev.smtpd.core.handler.Session;
import dev.smtpd.core.handler.SmtpHandler;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.condition.ConditionalOnExpression;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.ApplicationListener;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Condition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.core.env.Environment;
import org.springframework.core.type.AnnotatedTypeMetadata;

/**
 * The idioms a user copies: a handler that refuses recipients of one domain, one that
 * checks recipients and content ({@link MailChecks}), an authenticator, and a listener
 * for the started event. The built-in handlers {@code smtpd.handler} lists (debugging,
 * maildir) follow the sample's handler in the chain, without any code here.
 */
@Configuration(proxyBeanMethods = false)
public class SampleConfiguration {

	private static final Logger logger = LoggerFactory.getLogger(SampleConfiguration.class);

	/**
	 * Refuses recipients in {@code sample.reject-domain}; the first handler of the chain.
	 * An empty domain leaves it out, so that RCPT costs no thread hop (as for the
	 * benchmarks).
	 */
	@Bean
	@Order(0)
	@ConditionalOnExpression("!'${sample.reject-domain:example.invalid}'.isEmpty()")
	SmtpHandler rejectDomainHandler(@Value("${sample.reject-domain:example.invalid}") String domain) {
		String suffix = "@" + domain.toLowerCase(Locale.ROOT);
		return new SmtpHandler() {

			@Override
			public @Nullable Reply rcpt(Session session, Envelope envelope, String address, RcptOptions options) {
				return address.toLowerCase(Locale.ROOT).endsWith(suffix)
						? Reply.of(550, "5.7.1", "Recipients in " + domain + " are not accepted here") : null;
			}

		};
	}

	/**
	 * Takes mail only for the domains in {@code sample.domains} and refuses mail loops
	 * (see {@link MailChecks}); the second handler of the chain.
	 * {@code sample.non-blocking-checks=true} declares the same checks
	 * {@link dev.smtpd.core.handler.NonBlocking}, so that they run on the network
	 * threads.
	 */
	@Bean
	@Order(1)
	@Conditional(DomainsConfigured.class)
	SmtpHandler mailChecks(Environment environment, @Value("${sample.non-blocking-checks:false}") boolean nonBlocking) {
		Set<String> domains = domains(environment);
		return nonBlocking ? new MailChecks.NonBlockingMailChecks(domains) : new MailChecks(domains);
	}

	/**
	 * The domains of {@code sample.domains}, written either way: {@code a,b} or a YAML
	 * list.
	 */
	static Set<String> domains(Environment environment) {
		return Binder.get(environment)
			.bind("sample.domains", Bindable.setOf(String.class))
			.map((domains) -> domains.stream()
				.map(String::strip)
				.filter((domain) -> !domain.isEmpty())
				.collect(Collectors.toCollection(LinkedHashSet::new)))
			.orElse(new LinkedHashSet<>());
	}

	/** Matches when {@code sample.domains} names at least one domain. */
	static class DomainsConfigured implements Condition {

		@Override
		public boolean matches(ConditionContext context, AnnotatedTypeMetadata metadata) {
			return !domains(context.getEnvironment()).isEmpty();
		}

	}

	/**
	 * An authenticator of your own: here a single demo login from
	 * {@code sample.demo-login} and {@code sample.demo-password}. Without these
	 * properties the users file ({@code smtpd.auth.users-file}, managed with
	 * {@code users add}) is used instead.
	 */
	@Bean
	@ConditionalOnProperty({ "sample.demo-login", "sample.demo-password" })
	Authenticator demoAuthenticator(@Value("${sample.demo-login}") String login,
			@Value("${sample.demo-password}") String password) {
		return (session, mechanism, credentials) -> {
			LoginPassword given = (LoginPassword) credentials;
			boolean ok = given.login().equals(login) && given.passwordAsString().equals(password);
			return ok ? AuthResult.success(login) : AuthResult.failure();
		};
	}

	@Bean
	ApplicationListener<SmtpServerStartedEvent> startedBanner(SmtpdProperties properties) {
		return (event) -> {
			String address = (properties.getAddress() != null) ? properties.getAddress().getHostAddress() : "0.0.0.0";
			String handlers = String.join(",", properties.getHandler());
			String where = properties.getHandler().contains("maildir")
					? ", mail goes to " + properties.getMaildir().getPath().toAbsolutePath().normalize() : "";
			Path socket = event.getServer().unixSocketPath();
			String listeners = ((event.getPort() != -1) ? address + ":" + event.getPort() : "")
					+ ((event.getPort() != -1 && socket != null) ? " and " : "")
					+ ((socket != null) ? "unix:" + socket : "");
			logger.info("smtpd listening on {}{} ({})", listeners, where, handlers);
		};
	}

}
