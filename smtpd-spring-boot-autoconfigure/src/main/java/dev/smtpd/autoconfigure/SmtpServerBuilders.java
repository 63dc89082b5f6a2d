package dev.smtpd.autoconfigure;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executor;

import dev.smtpd.autoconfigure.tls.SslBundleSslContexts;
import dev.smtpd.core.SmtpServer;
import dev.smtpd.core.auth.AuthMechanism;
import dev.smtpd.core.auth.Authenticator;
import dev.smtpd.core.event.SmtpServerListener;
import dev.smtpd.core.handler.SmtpCommand;
import dev.smtpd.core.handler.SmtpHandler;
import dev.smtpd.core.tls.TlsMode;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.PropertyMapper;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;

/**
 * Applies the {@code smtpd.*} properties and the beans of the context to a {@link SmtpServer.Builder},
 * checking the properties first; a bad value fails with a message that names the property.
 */
final class SmtpServerBuilders {

	private SmtpServerBuilders() {
	}

	record Collaborators(List<SmtpHandler> handlers, List<SmtpCommand> commands, @Nullable Authenticator authenticator,
			List<AuthMechanism> mechanisms, List<SmtpServerListener> listeners, @Nullable Executor hookExecutor,
			@Nullable SslBundleSslContexts sslContexts) {
	}

	static SmtpServer.Builder create(SmtpdProperties properties, Collaborators beans) {
		validate(properties, beans);
		SmtpServer.Builder builder = SmtpServer.builder();
		PropertyMapper map = PropertyMapper.get();
		String hostname = hostname(properties);
		map.from(properties::getAddress).to(builder::address);
		map.from(properties::getPort).to(builder::port);
		map.from(hostname).to(builder::hostname);
		map.from(properties::getIdent).to(builder::ident);
		map.from(properties::getTimeout).to(builder::timeout);
		map.from(properties::getDataTimeout).to(builder::dataTimeout);
		map.from(properties::getDataSizeLimit).as(org.springframework.util.unit.DataSize::toBytes).to(builder::dataSizeLimit);
		map.from(properties::getCommandSizeLimit).to(builder::commandSizeLimit);
		map.from(properties::getLineLengthLimit).to(builder::lineLengthLimit);
		map.from(properties::getLocalPartLimit).to(builder::localPartLimit);
		map.from(properties::getMaxRecipients).to(builder::maxRecipients);
		map.from(properties::isSmtputf8).to(builder::smtputf8);
		map.from(properties::isDecodeData).to(builder::decodeData);
		map.from(properties::getMaxUnrecognizedCommands).to(builder::maxUnrecognizedCommands);
		map.from(properties::getMaxConnections).to(builder::maxConnections);
		map.from(properties::getMaxConnectionsPerAddress).to(builder::maxConnectionsPerAddress);
		map.from(properties::getMemoryThreshold).as((size) -> (int) size.toBytes()).to(builder::memoryThreshold);
		map.from(properties::getTempDirectory).to(builder::tempDirectory);
		map.from(properties::getIoThreads).to(builder::ioThreads);
		map.from(properties::isNativeTransport).to(builder::nativeTransport);
		map.from(properties.getCommandCallLimit()::getDefault).to(builder::commandCallLimit);
		properties.getCommandCallLimit()
			.getCommands()
			.forEach((verb, limit) -> builder.commandCallLimit(verb.toUpperCase(Locale.ROOT), limit));
		SmtpdProperties.Auth auth = properties.getAuth();
		map.from(auth::isRequired).to(builder::authRequired);
		map.from(auth::isRequireTls).to(builder::authRequireTls);
		map.from(auth::getExcludeMechanisms).to(builder::excludeAuthMechanisms);
		map.from(auth::getMaxFailures).to(builder::authMaxFailures);
		map.from(auth::getFailureDelay).to(builder::authFailureDelay);
		SmtpdProperties.Ssl ssl = properties.getSsl();
		if (beans.sslContexts() != null) {
			builder.tls(tlsMode(ssl), beans.sslContexts())
				.requireStarttls(ssl.isRequireStarttls())
				.tlsHandshakeTimeout(ssl.getHandshakeTimeout());
		}
		builder.handlers(beans.handlers());
		beans.commands().forEach(builder::command);
		builder.authenticator(beans.authenticator());
		beans.mechanisms().forEach(builder::authMechanism);
		beans.listeners().forEach(builder::listener);
		builder.hookExecutor(beans.hookExecutor());
		return builder;
	}

	static TlsMode tlsMode(SmtpdProperties.Ssl ssl) {
		return switch (ssl.getMode().toLowerCase(Locale.ROOT)) {
			case "starttls" -> TlsMode.STARTTLS;
			case "implicit" -> TlsMode.IMPLICIT;
			default -> throw new InvalidConfigurationPropertyValueException("smtpd.ssl.mode", ssl.getMode(),
					"Use starttls or implicit");
		};
	}

	private static void validate(SmtpdProperties properties, Collaborators beans) {
		require(properties.getPort() >= 0 && properties.getPort() <= 65535, "smtpd.port", properties.getPort(),
				"Must be between 0 and 65535");
		if (!properties.getProtocol().equalsIgnoreCase("smtp")) {
			throw new InvalidConfigurationPropertyValueException("smtpd.protocol", properties.getProtocol(),
					properties.getProtocol().equalsIgnoreCase("lmtp") ? "LMTP is not supported yet; use smtp"
							: "Use smtp");
		}
		require(properties.getTimeout().toMillis() > 0, "smtpd.timeout", properties.getTimeout(), "Must be positive");
		require(properties.getDataTimeout().toMillis() > 0, "smtpd.data-timeout", properties.getDataTimeout(),
				"Must be positive");
		require(!properties.getDataSizeLimit().isNegative(), "smtpd.data-size-limit", properties.getDataSizeLimit(),
				"Must not be negative");
		require(properties.getCommandSizeLimit() >= 512, "smtpd.command-size-limit", properties.getCommandSizeLimit(),
				"Must be at least 512 (RFC 5321 4.5.3.1.4)");
		require(properties.getLineLengthLimit() >= 1001, "smtpd.line-length-limit", properties.getLineLengthLimit(),
				"Must be at least 1001 (RFC 5321 4.5.3.1.6)");
		require(properties.getLocalPartLimit() >= 0, "smtpd.local-part-limit", properties.getLocalPartLimit(),
				"Must not be negative");
		require(properties.getMaxRecipients() >= 1, "smtpd.max-recipients", properties.getMaxRecipients(),
				"Must be at least 1");
		require(properties.getMaxUnrecognizedCommands() >= 1, "smtpd.max-unrecognized-commands",
				properties.getMaxUnrecognizedCommands(), "Must be at least 1");
		requirePositive(properties.getMaxConnections(), "smtpd.max-connections");
		requirePositive(properties.getMaxConnectionsPerAddress(), "smtpd.max-connections-per-address");
		requirePositive(properties.getIoThreads(), "smtpd.io-threads");
		long threshold = properties.getMemoryThreshold().toBytes();
		require(threshold >= 0 && threshold <= Integer.MAX_VALUE, "smtpd.memory-threshold",
				properties.getMemoryThreshold(), "Must be between 0 and 2GB");
		requirePositive(properties.getCommandCallLimit().getDefault(), "smtpd.command-call-limit.default");
		for (Map.Entry<String, Integer> limit : properties.getCommandCallLimit().getCommands().entrySet()) {
			requirePositive(limit.getValue(), "smtpd.command-call-limit.commands." + limit.getKey());
		}
		SmtpdProperties.Auth auth = properties.getAuth();
		require(auth.getMaxFailures() >= 0, "smtpd.auth.max-failures", auth.getMaxFailures(), "Must not be negative");
		require(!auth.getFailureDelay().isNegative(), "smtpd.auth.failure-delay", auth.getFailureDelay(),
				"Must not be negative");
		SmtpdProperties.Ssl ssl = properties.getSsl();
		tlsMode(ssl);
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
		if (ssl.isRequireStarttls() && (ssl.getBundle() == null || tlsMode(ssl) != TlsMode.STARTTLS)) {
			throw new InvalidConfigurationPropertyValueException("smtpd.ssl.require-starttls", true,
					"Needs smtpd.ssl.bundle with smtpd.ssl.mode=starttls");
		}
		require(ssl.getHandshakeTimeout().toMillis() > 0, "smtpd.ssl.handshake-timeout", ssl.getHandshakeTimeout(),
				"Must be positive");
		if (properties.getProxyProtocol().isEnabled()) {
			throw new InvalidConfigurationPropertyValueException("smtpd.proxy-protocol.enabled", true,
					"The PROXY protocol is not supported yet");
		}
	}

	private static void require(boolean condition, String name, @Nullable Object value, String reason) {
		if (!condition) {
			throw new InvalidConfigurationPropertyValueException(name, value, reason);
		}
	}

	private static void requirePositive(@Nullable Integer value, String name) {
		if (value != null && value < 1) {
			throw new InvalidConfigurationPropertyValueException(name, value, "Must be at least 1, or unset for no limit");
		}
	}

	static String hostname(SmtpdProperties properties) {
		return (properties.getHostname() != null) ? properties.getHostname() : SmtpServer.localHostname();
	}

}
