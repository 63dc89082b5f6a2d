package dev.smtpd.autoconfigure.observation;

import dev.smtpd.core.event.SessionEnd;
import dev.smtpd.core.handler.Session;
import io.micrometer.observation.Observation;
import org.jspecify.annotations.Nullable;

/**
 * What an observation of one SMTP session sees.
 */
public class SmtpSessionContext extends Observation.Context {

	private final Session session;

	private @Nullable SessionEnd end;

	SmtpSessionContext(Session session) {
		this.session = session;
	}

	/**
	 * Returns the session.
	 * @return the session
	 */
	public Session getSession() {
		return this.session;
	}

	/**
	 * Returns how the session ended, once it has.
	 * @return the end, or {@code null} while it runs
	 */
	public @Nullable SessionEnd getEnd() {
		return this.end;
	}

	void setEnd(SessionEnd end) {
		this.end = end;
	}

}
