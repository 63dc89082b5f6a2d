package dev.smtpd.autoconfigure;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;

import dev.smtpd.autoconfigure.tls.SslBundleSslContexts;
import dev.smtpd.core.InvalidSettingException;
import dev.smtpd.core.SmtpServer;
import dev.smtpd.core.SmtpServerConfig;
import dev.smtpd.core.TlsMode;
import dev.smtpd.core.auth.AuthMechanism;
import dev.smtpd.core.auth.Authenticator;
import dev.smtpd.core.event.SmtpServerListener;
import dev.smtpd.core.handler.RateLimiter;
import dev.smtpd.core.handler.SmtpCommand;
import dev.smtpd.core.ratelimit.RateLimits;
import dev.smtpd.core.handler.SmtpHandler;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.PropertyMapper;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;

/**
 * Applies the {@code smtpd.*} properties and the beans of the context to a
 * {@link SmtpServer.Builder}. The server checks the values and names a rejected one by
 * its key relative to {@code smtpd.}; a bad value fails with Spring Boot's
 * {@link InvalidConfigurationPropertyValueException} for that property.
 */
final class SmtpServerBuilders {

	private SmtpServerBuilders() {
	}

	record Collaborators(List<SmtpHandler> handlers, List<SmtpCommand> commands, @Nullable Authenticator authenticator,
			List<AuthMechanism> mechanisms, List<SmtpServerListener> listeners, @Nullable Executor hookExecutor,
			@Nullable SslBundleSslContexts sslContexts, @Nullable RateLimiter rateLimiter) {
	}

	/**
	 * Returns a builder with the properties and the beans applied.
	 * @param properties the properties
	 * @param beans the beans of the context
	 * @return the builder
	 * @throws InvalidConfigurationPropertyValueException if a property has a value the
	 * server cannot use
	 */
	static SmtpServer.Builder create(SmtpdProperties properties, Collaborators beans) {
		checkWiring(properties, beans);
		SmtpServer.Builder builder = SmtpServer.builder();
		String hostname = hostname(properties);
		try {
			applyProperties(properties, beans, hostname, builder);
			builder.config(); // values that depend on each other, before customizers add
								// theirs
		}
		catch (InvalidSettingException ex) {
			throw invalidProperty(ex);
		}
		builder.handlers(beans.handlers());
		beans.commands().forEach(builder::command);
		builder.authenticator(beans.authenticator());
		beans.mechanisms().forEach(builder::authMechanism);
		beans.listeners().forEach(builder::listener);
		builder.hookExecutor(beans.hookExecutor());
		builder.rateLimiter(beans.rateLimiter());
		return builder;
	}

	/**
	 * One line per property; the server checks the values, once, in
	 * {@link SmtpServerConfig}.
	 */
	private static void applyProperties(SmtpdProperties properties, Collaborators beans, String hostname,
			SmtpServer.Builder builder) {
		PropertyMapper map = PropertyMapper.get();
		map.from(properties::getProtocol).to(builder::protocol);
		map.from(hostname).to(builder::hostname);
		map.from(properties::getIdent).to(builder::ident);
		builder.network(SmtpServerConfig.Network.defaults()
			.withAddress(properties.getAddress())
			.withPort(properties.getPort())
			.withIoThreads(zeroWhenUnset("io-threads", properties.getIoThreads(), "for half the processors"))
			.withNativeTransport(properties.isNativeTransport())
			.withUnixSocket(unixSocket(properties.getUnixSocket()))
			.withBacklog(properties.getBacklog()));
		builder.timeouts(SmtpServerConfig.Timeouts.defaults()
			.withTimeout(properties.getTimeout())
			.withDataTimeout(properties.getDataTimeout())
			.withDataMinRate(properties.getDataMinRate().toBytes()));
		SmtpdProperties.HookExecutor hookExecutor = properties.getHookExecutor();
		builder.hooks(SmtpServerConfig.Hooks.defaults()
			.withTimeout(properties.getHookTimeout())
			.withThreads(zeroWhenUnset("hook-executor.threads", hookExecutor.getThreads(), "for the default"))
			.withQueueSize(hookExecutor.getQueueSize()));
		SmtpdProperties.CommandCallLimit callLimit = properties.getCommandCallLimit();
		SmtpServerConfig.Limits limits = SmtpServerConfig.Limits.defaults()
			.withDataSizeLimit(properties.getDataSizeLimit().toBytes())
			.withCommandSizeLimit(properties.getCommandSizeLimit())
			.withLineLengthLimit(properties.getLineLengthLimit())
			.withLocalPartLimit(properties.getLocalPartLimit())
			.withMaxRecipients(properties.getMaxRecipients())
			.withMaxUnrecognizedCommands(properties.getMaxUnrecognizedCommands())
			.withMaxConnections(zeroWhenUnset("max-connections", properties.getMaxConnections(), "for no limit"))
			.withMaxConnectionsPerAddress(zeroWhenUnset("max-connections-per-address",
					properties.getMaxConnectionsPerAddress(), "for no limit"))
			.withCommandCallLimit(zeroWhenUnset("command-call-limit.default", callLimit.getDefault(), "for no limit"));
		for (Map.Entry<String, Integer> verb : callLimit.getCommands().entrySet()) {
			limits = limits.withCommandCallLimit(verb.getKey(), verb.getValue());
		}
		builder.limits(limits);
		builder.content(SmtpServerConfig.Content.defaults()
			.withMemoryThreshold(properties.getMemoryThreshold().toBytes())
			.withTempDirectory(properties.getTempDirectory())
			.withDecodeData(properties.isDecodeData()));
		builder.extensions(SmtpServerConfig.Extensions.defaults()
			.withSmtputf8(properties.isSmtputf8())
			.withChunking(properties.isChunking())
			.withDsn(properties.isDsn())
			.withBinarymime(properties.isBinarymime()));
		SmtpdProperties.Auth auth = properties.getAuth();
		builder.auth(SmtpServerConfig.Auth.defaults()
			.withRequired(auth.isRequired())
			.withRequireTls(auth.isRequireTls())
			.withMaxFailures(auth.getMaxFailures())
			.withFailureDelay(auth.getFailureDelay()));
		builder.excludeAuthMechanisms(auth.getExcludeMechanisms());
		SmtpdProperties.Ssl ssl = properties.getSsl();
		if (beans.sslContexts() != null) {
			builder.tls(ssl.getMode(), beans.sslContexts());
		}
		builder.requireStarttls(ssl.isRequireStarttls()).tlsHandshakeTimeout(ssl.getHandshakeTimeout());
		SmtpdProperties.ProxyProtocol proxy = properties.getProxyProtocol();
		builder.proxyProtocol(SmtpServerConfig.ProxyProtocol.defaults()
			.withEnabled(proxy.isEnabled())
			.withTimeout(proxy.getTimeout())
			.withTrustedProxyNetworks(proxy.getTrustedProxies()));
	}

	/**
	 * Returns the limits of the built-in rate limiter.
	 * @param properties the properties
	 * @return the limits
	 * @throws InvalidConfigurationPropertyValueException if a limit has a value the
	 * server cannot use
	 */
	static RateLimits rateLimits(SmtpdProperties properties) {
		SmtpdProperties.RateLimit rate = properties.getRateLimit();
		try {
			return RateLimits.defaults()
				.withConnectionsPerMinute(unlimitedWhenUnset("connections-per-minute", rate.getConnectionsPerMinute()))
				.withMessagesPerMinute(unlimitedWhenUnset("messages-per-minute", rate.getMessagesPerMinute()))
				.withRecipientsPerMinute(unlimitedWhenUnset("recipients-per-minute", rate.getRecipientsPerMinute()))
				.withAuthAttemptsPerMinute(
						unlimitedWhenUnset("auth-attempts-per-minute", rate.getAuthAttemptsPerMinute()))
				.withLoginMessagesPerMinute(
						unlimitedWhenUnset("login-messages-per-minute", rate.getLoginMessagesPerMinute()))
				.withLoginRecipientsPerMinute(
						unlimitedWhenUnset("login-recipients-per-minute", rate.getLoginRecipientsPerMinute()))
				.withMaxTrackedClients(rate.getMaxTrackedClients());
		}
		catch (InvalidSettingException ex) {
			throw invalidProperty(ex);
		}
	}

	private static int unlimitedWhenUnset(String name, @Nullable Integer value) {
		return zeroWhenUnset("rate-limit." + name, value, "for no limit");
	}

	private static SmtpServerConfig.@Nullable UnixSocket unixSocket(SmtpdProperties.UnixSocket properties) {
		Path path = properties.getPath();
		if (path == null) {
			if (properties.getMode() != null) {
				throw new InvalidSettingException("unix-socket.mode", properties.getMode(),
						"Needs smtpd.unix-socket.path");
			}
			return null;
		}
		return SmtpServerConfig.UnixSocket.of(path).withMode(properties.getMode());
	}

	/**
	 * Returns the property for a setting the server rejected.
	 * @param ex the server's exception, with the key relative to {@code smtpd.}
	 * @return the exception that names the property
	 */
	static InvalidConfigurationPropertyValueException invalidProperty(InvalidSettingException ex) {
		return new InvalidConfigurationPropertyValueException("smtpd." + ex.key(), ex.value(), ex.reason(), ex);
	}

	/**
	 * Maps a property that is left unset for "no limit" (or a default) to the server's
	 * {@code 0}. A set {@code 0} is refused rather than read as "no limit"; other values
	 * are the server's to check.
	 */
	private static int zeroWhenUnset(String key, @Nullable Integer value, String unset) {
		if (value == null) {
			return 0;
		}
		if (value == 0) {
			throw new InvalidSettingException(key, value, "Must be at least 1, or unset " + unset);
		}
		return value;
	}

	/**
	 * Checks what the server cannot know: which beans and SSL bundle the context has.
	 */
	private static void checkWiring(SmtpdProperties properties, Collaborators beans) {
		SmtpdProperties.Auth auth = properties.getAuth();
		SmtpdProperties.Ssl ssl = properties.getSsl();
		if (auth.isRequired() && beans.authenticator() == null) {
			throw new InvalidConfigurationPropertyValueException("smtpd.auth.required", true,
					"AUTH is required but nothing can check passwords: declare an Authenticator bean, "
							+ "or set smtpd.auth.users or smtpd.auth.users-file");
		}
		if (auth.isRequired() && auth.isRequireTls() && ssl.getBundle() == null) {
			throw new InvalidConfigurationPropertyValueException("smtpd.auth.required", true,
					"AUTH is required and allowed only over TLS (smtpd.auth.require-tls) but no TLS is configured: "
							+ "set smtpd.ssl.bundle, or smtpd.auth.require-tls=false for tests");
		}
		if (ssl.isRequireStarttls() && ssl.getBundle() == null) {
			throw new InvalidConfigurationPropertyValueException("smtpd.ssl.require-starttls", true,
					"Needs smtpd.ssl.bundle with smtpd.ssl.mode=starttls");
		}
		// TLS asked for without a bundle would be a server in plaintext
		if (ssl.getMode() == TlsMode.IMPLICIT && ssl.getBundle() == null) {
			throw new InvalidConfigurationPropertyValueException("smtpd.ssl.mode", "implicit",
					"Implicit TLS needs smtpd.ssl.bundle");
		}
		if (ssl.getClientAuth() != SmtpdProperties.Ssl.ClientAuth.NONE && ssl.getBundle() == null) {
			throw new InvalidConfigurationPropertyValueException("smtpd.ssl.client-auth", ssl.getClientAuth(),
					"Client certificates need smtpd.ssl.bundle");
		}
	}

	static String hostname(SmtpdProperties properties) {
		return (properties.getHostname() != null) ? properties.getHostname() : SmtpServer.localHostname();
	}

}
