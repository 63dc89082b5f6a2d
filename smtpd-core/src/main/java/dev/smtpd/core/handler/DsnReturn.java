package dev.smtpd.core.handler;

/**
 * The {@code RET} parameter of MAIL (RFC 3461 §4.3): how much of the message a failure
 * notification should return.
 */
public enum DsnReturn {

	/** {@code RET=FULL}: the whole message. */
	FULL,

	/** {@code RET=HDRS}: the header only. */
	HDRS

}
