package dev.smtpd.autoconfigure.observation;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationConvention;

/**
 * Names and tags the observation of a mail transaction; declare a bean to replace the
 * default.
 */
public interface SmtpTransactionObservationConvention extends ObservationConvention<SmtpTransactionContext> {

	@Override
	default boolean supportsContext(Observation.Context context) {
		return context instanceof SmtpTransactionContext;
	}

}
