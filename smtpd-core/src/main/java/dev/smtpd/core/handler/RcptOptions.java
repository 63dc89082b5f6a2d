package dev.smtpd.core.handler;

import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

import org.jspecify.annotations.Nullable;

/**
 * The parameters of an RCPT command, typed.
 *
 * @param notifyOn when to send delivery status notifications ({@code NOTIFY=}, RFC 3461
 * §4.1), empty when the parameter is absent, {@link DsnNotify#NEVER} alone or any of the
 * others (named for {@code NOTIFY}, which {@link Object#notify()} takes)
 * @param originalRecipient the original recipient ({@code ORCPT=}, RFC 3461 §4.2), or
 * {@code null}
 * @param parameters every parameter as given, keyword upper-cased, value {@code null} for
 * a bare keyword
 */
public record RcptOptions(Set<DsnNotify> notifyOn, @Nullable OriginalRecipient originalRecipient,
		Map<String, @Nullable String> parameters) {

	/** No parameters. */
	public static final RcptOptions NONE = new RcptOptions(Map.of());

	public RcptOptions {
		notifyOn = notifyOn.isEmpty() ? Set.of() : Collections.unmodifiableSet(EnumSet.copyOf(notifyOn));
		parameters = Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
	}

	/**
	 * Creates options without DSN parameters.
	 * @param parameters every parameter as given
	 */
	public RcptOptions(Map<String, @Nullable String> parameters) {
		this(Set.of(), null, parameters);
	}

}
