package dev.smtpd.core.event;

/**
 * How an AUTH exchange ended.
 */
public enum AuthOutcome {

	/** The credentials were accepted. */
	SUCCESS,

	/** The credentials were refused. */
	FAILURE,

	/** The client cancelled with {@code *} or sent something that could not be decoded. */
	CANCELLED,

	/** The authenticator or mechanism failed, or the connection was lost. */
	ERROR

}
