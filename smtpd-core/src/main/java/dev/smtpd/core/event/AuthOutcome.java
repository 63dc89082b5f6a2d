package dev.smtpd.core.event;

/**
 * How an AUTH exchange ended.
 */
public enum AuthOutcome {

	/** The credentials were accepted. */
	SUCCESS,

	/** The credentials were refused. */
	FAILURE,

	/**
	 * The client cancelled with {@code *} or sent something that could not be decoded.
	 */
	CANCELLED,

	/**
	 * The authenticator, mechanism or auth hook failed, or the connection closed while a
	 * challenge waited for its answer (a client that stays silent until the idle timeout
	 * also counts as a failed attempt for the throttle).
	 */
	ERROR

}
