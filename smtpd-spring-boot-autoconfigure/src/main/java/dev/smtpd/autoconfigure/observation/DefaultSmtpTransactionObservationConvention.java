package dev.smtpd.autoconfigure.observation;

import io.micrometer.common.KeyValues;

/**
 * The default convention: name {@code smtpd.transaction}, low-cardinality key
 * {@code smtpd.result} ({@code accepted}, {@code rejected} or {@code abandoned}),
 * high-cardinality keys {@code smtpd.session.id}, {@code smtpd.recipients} and
 * {@code smtpd.size}.
 */
public class DefaultSmtpTransactionObservationConvention implements SmtpTransactionObservationConvention {

	@Override
	public String getName() {
		return "smtpd.transaction";
	}

	@Override
	public String getContextualName(SmtpTransactionContext context) {
		return "smtp transaction";
	}

	@Override
	public KeyValues getLowCardinalityKeyValues(SmtpTransactionContext context) {
		int code = context.getReplyCode();
		String result = (code == 0) ? "abandoned" : (code < 400) ? "accepted" : "rejected";
		return KeyValues.of("smtpd.result", result);
	}

	@Override
	public KeyValues getHighCardinalityKeyValues(SmtpTransactionContext context) {
		return KeyValues.of("smtpd.session.id", context.getSession().id(), "smtpd.recipients",
				String.valueOf(context.getRecipients()), "smtpd.size", String.valueOf(context.getSize()));
	}

}
