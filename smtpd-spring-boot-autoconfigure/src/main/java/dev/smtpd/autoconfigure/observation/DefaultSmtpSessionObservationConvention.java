package dev.smtpd.autoconfigure.observation;

import java.util.Locale;

import dev.smtpd.core.event.SessionEnd;
import io.micrometer.common.KeyValues;

/**
 * The default convention: name {@code smtpd.session}, low-cardinality keys
 * {@code smtpd.end} and {@code smtpd.tls}, high-cardinality keys {@code smtpd.session.id}
 * and {@code smtpd.helo}.
 */
public class DefaultSmtpSessionObservationConvention implements SmtpSessionObservationConvention {

	@Override
	public String getName() {
		return "smtpd.session";
	}

	@Override
	public String getContextualName(SmtpSessionContext context) {
		return "smtp session";
	}

	@Override
	public KeyValues getLowCardinalityKeyValues(SmtpSessionContext context) {
		SessionEnd end = context.getEnd();
		return KeyValues.of("smtpd.end", (end != null) ? end.name().toLowerCase(Locale.ROOT) : "unknown", "smtpd.tls",
				(context.getSession().tls() != null) ? "true" : "false");
	}

	@Override
	public KeyValues getHighCardinalityKeyValues(SmtpSessionContext context) {
		String helo = context.getSession().heloName();
		return KeyValues.of("smtpd.session.id", context.getSession().id(), "smtpd.helo", (helo != null) ? helo : "");
	}

}
