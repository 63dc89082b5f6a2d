package dev.smtpd.autoconfigure.observation;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationConvention;

/**
 * Names and tags the observation of an SMTP session; declare a bean to replace the
 * default.
 */
public interface SmtpSessionObservationConvention extends ObservationConvention<SmtpSessionContext> {

	@Override
	default boolean supportsContext(Observation.Context context) {
		return context instanceof SmtpSessionContext;
	}

}
