package dev.smtpd.core.handler;

import java.util.Map;

import org.jspecify.annotations.Nullable;

/**
 * The parameters of a MAIL command, typed.
 *
 * @param size the declared message size ({@code SIZE=}, RFC 1870), or {@code null}
 * @param body the body type ({@code BODY=}, RFC 6152)
 * @param smtputf8 whether {@code SMTPUTF8} was given (RFC 6531)
 * @param parameters every parameter as given, keyword upper-cased, value {@code null} for
 * a bare keyword
 */
public record MailOptions(@Nullable Long size, BodyType body, boolean smtputf8,
		Map<String, @Nullable String> parameters) {

	/** No parameters. */
	public static final MailOptions NONE = new MailOptions(null, BodyType.SEVEN_BIT, false, Map.of());

	public MailOptions {
		parameters = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(parameters));
	}

}
