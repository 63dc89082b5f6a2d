package dev.smtpd.autoconfigure.observation;

import io.micrometer.common.KeyValues;

/**
 * The default convention: name {@code smtpd.transaction}, low-cardinality key
 * {@code smtpd.result} ({@code accepted}, {@code rejected} or {@code abandoned}),
 * high-cardinality keys {@code smtpd.session.id}, {@code smtpd.recipients} and
 * {@code smtpd.size}. The high-cardinality keys are given when the transaction ends (a
 * tracer tags the span then), when their values are final; the low-cardinality ones are
 * shared by every transaction, so that one costs no key values of its own.
 */
public class DefaultSmtpTransactionObservationConvention implements SmtpTransactionObservationConvention {

	private static final KeyValues ACCEPTED = KeyValues.of("smtpd.result", "accepted");

	private static final KeyValues REJECTED = KeyValues.of("smtpd.result", "rejected");

	private static final KeyValues ABANDONED = KeyValues.of("smtpd.result", "abandoned");

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
		return (code == 0) ? ABANDONED : (code < 400) ? ACCEPTED : REJECTED;
	}

	@Override
	public KeyValues getHighCardinalityKeyValues(SmtpTransactionContext context) {
		if (!context.isEnded()) {
			return KeyValues.empty();
		}
		return KeyValues.of("smtpd.session.id", context.getSession().id(), "smtpd.recipients",
				String.valueOf(context.getRecipients()), "smtpd.size", String.valueOf(context.getSize()));
	}

}
