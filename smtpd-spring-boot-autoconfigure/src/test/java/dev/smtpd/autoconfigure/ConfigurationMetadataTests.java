package dev.smtpd.autoconfigure;

import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The generated configuration metadata (IDE completion) has every property of the
 * contract, each with a description.
 */
class ConfigurationMetadataTests {

	/** DESIGN §4: these names are a contract. */
	private static final List<String> CONTRACT = List.of("smtpd.enabled", "smtpd.address", "smtpd.port",
			"smtpd.protocol", "smtpd.hostname", "smtpd.ident", "smtpd.timeout", "smtpd.data-size-limit",
			"smtpd.command-size-limit", "smtpd.line-length-limit", "smtpd.local-part-limit", "smtpd.max-recipients",
			"smtpd.smtputf8", "smtpd.dsn", "smtpd.decode-data", "smtpd.command-call-limit.default",
			"smtpd.command-call-limit.commands", "smtpd.max-connections", "smtpd.max-connections-per-address",
			"smtpd.auth.required", "smtpd.auth.require-tls", "smtpd.auth.exclude-mechanisms", "smtpd.auth.users",
			"smtpd.auth.users-file", "smtpd.ssl.bundle", "smtpd.ssl.mode", "smtpd.ssl.require-starttls",
			"smtpd.proxy-protocol.enabled", "smtpd.proxy-protocol.timeout", "smtpd.proxy-protocol.trusted-proxies",
			"smtpd.handler", "smtpd.maildir.path", "smtpd.mbox.path", "smtpd.relay.host", "smtpd.relay.port",
			"smtpd.memory.max-messages");

	@Test
	void everyContractPropertyIsDescribed() throws Exception {
		JsonNode metadata;
		try (InputStream in = getClass().getResourceAsStream("/META-INF/spring-configuration-metadata.json")) {
			metadata = JsonMapper.builder().build().readTree(in);
		}
		List<String> described = new ArrayList<>();
		for (JsonNode property : metadata.get("properties")) {
			if (property.hasNonNull("description") && !property.get("description").asString().isBlank()) {
				described.add(property.get("name").asString());
			}
		}
		assertThat(described).containsAll(CONTRACT);
	}

}
