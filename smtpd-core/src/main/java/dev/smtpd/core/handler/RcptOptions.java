package dev.smtpd.core.handler;

import java.util.Map;

import org.jspecify.annotations.Nullable;

/**
 * The parameters of an RCPT command.
 *
 * @param parameters every parameter as given, keyword upper-cased, value {@code null} for
 * a bare keyword
 */
public record RcptOptions(Map<String, @Nullable String> parameters) {

	/** No parameters. */
	public static final RcptOptions NONE = new RcptOptions(Map.of());

	public RcptOptions {
		parameters = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(parameters));
	}

}
