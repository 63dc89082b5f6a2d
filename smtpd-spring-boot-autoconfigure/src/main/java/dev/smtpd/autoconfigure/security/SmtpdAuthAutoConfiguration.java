package dev.smtpd.autoconfigure.security;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

import dev.smtpd.autoconfigure.SmtpdAutoConfiguration;
import dev.smtpd.autoconfigure.SmtpdProperties;
import dev.smtpd.core.SmtpServer;
import dev.smtpd.core.auth.Authenticator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Conditional;
import org.springframework.core.type.AnnotatedTypeMetadata;
import org.springframework.security.crypto.factory.PasswordEncoderFactories;
import org.springframework.security.crypto.password.PasswordEncoder;

/**
 * A password {@link Authenticator} over {@code smtpd.auth.users.*} and
 * {@code smtpd.auth.users-file}, when the application declares no {@link Authenticator}
 * of its own and spring-security-crypto is present. Users of the file win over users of
 * the properties with the same login.
 */
@AutoConfiguration(before = SmtpdAutoConfiguration.class)
@ConditionalOnClass({ SmtpServer.class, PasswordEncoder.class })
@ConditionalOnBooleanProperty(name = "smtpd.enabled", matchIfMissing = true)
@ConditionalOnMissingBean(Authenticator.class)
@Conditional(SmtpdAuthAutoConfiguration.UsersConfiguredCondition.class)
@EnableConfigurationProperties(SmtpdProperties.class)
public final class SmtpdAuthAutoConfiguration {

	private static final Logger logger = LoggerFactory.getLogger(SmtpdAuthAutoConfiguration.class);

	@Bean
	PasswordAuthenticator smtpdPasswordAuthenticator(SmtpdProperties properties) {
		Map<String, String> fromProperties = Map.copyOf(properties.getAuth().getUsers());
		fromProperties.forEach((login, encoded) -> {
			// a plain password would fail every login in silence
			String problem = UsersFile.encodingProblem(encoded);
			if (problem != null) {
				throw new InvalidConfigurationPropertyValueException("smtpd.auth.users." + login, "<redacted>",
						problem);
			}
		});
		UsersFile file = (properties.getAuth().getUsersFile() != null)
				? new UsersFile(properties.getAuth().getUsersFile()) : null;
		Supplier<Map<String, String>> users = (file == null) ? () -> fromProperties : () -> {
			Map<String, String> merged = new LinkedHashMap<>(fromProperties);
			merged.putAll(file.users());
			return merged;
		};
		Map<String, String> initial = users.get();
		long noop = initial.values().stream().filter((encoded) -> encoded.startsWith("{noop}")).count();
		if (noop > 0) {
			logger.warn("{} SMTP user password{} stored as {noop} plain text: for tests only", noop,
					(noop == 1) ? " is" : "s are");
		}
		if (file != null && initial.isEmpty()) {
			logger.warn("Users file {} has no users yet; add some with 'users add'", file.path());
		}
		PasswordEncoder encoder = PasswordEncoderFactories.createDelegatingPasswordEncoder();
		return new PasswordAuthenticator(users, encoder);
	}

	/**
	 * Matches when {@code smtpd.auth.users} has an entry or {@code smtpd.auth.users-file}
	 * is set.
	 */
	static class UsersConfiguredCondition extends SpringBootCondition {

		@Override
		public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
			Binder binder = Binder.get(context.getEnvironment());
			boolean users = binder.bind("smtpd.auth.users", Bindable.mapOf(String.class, String.class))
				.map((map) -> !map.isEmpty())
				.orElse(false);
			boolean file = binder.bind("smtpd.auth.users-file", String.class).isBound();
			if (users || file) {
				return ConditionOutcome.match("smtpd.auth users are configured");
			}
			return ConditionOutcome.noMatch("neither smtpd.auth.users nor smtpd.auth.users-file is set");
		}

	}

}
