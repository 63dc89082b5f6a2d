package dev.smtpd.core.handler;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

import org.jspecify.annotations.Nullable;

/**
 * The parameters of a MAIL command, typed.
 *
 * @param size the declared message size ({@code SIZE=}, RFC 1870), or {@code null}
 * @param body the body type ({@code BODY=}, RFC 6152)
 * @param smtputf8 whether {@code SMTPUTF8} was given (RFC 6531)
 * @param ret what a failure notification should return ({@code RET=}, RFC 3461 §4.3), or
 * {@code null}
 * @param envelopeId the envelope identifier ({@code ENVID=}, RFC 3461 §4.4), decoded from
 * xtext, or {@code null}
 * @param parameters every parameter as given, keyword upper-cased, value {@code null} for
 * a bare keyword
 */
public record MailOptions(@Nullable Long size, BodyType body, boolean smtputf8, @Nullable DsnReturn ret,
		@Nullable String envelopeId, Map<String, @Nullable String> parameters) {

	/** No parameters. */
	public static final MailOptions NONE = new MailOptions(null, BodyType.SEVEN_BIT, false, Map.of());

	public MailOptions {
		parameters = Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
	}

	/**
	 * Creates options without DSN parameters.
	 * @param size the declared message size, or {@code null}
	 * @param body the body type
	 * @param smtputf8 whether {@code SMTPUTF8} was given
	 * @param parameters every parameter as given
	 */
	public MailOptions(@Nullable Long size, BodyType body, boolean smtputf8, Map<String, @Nullable String> parameters) {
		this(size, body, smtputf8, null, null, parameters);
	}

}
