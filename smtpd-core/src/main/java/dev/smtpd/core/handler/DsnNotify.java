package dev.smtpd.core.handler;

/**
 * A value of the {@code NOTIFY} parameter of RCPT (RFC 3461 §4.1): when the sender wants
 * a delivery status notification for this recipient. {@link #NEVER} comes alone; the
 * others may be combined.
 */
public enum DsnNotify {

	/** {@code NEVER}: no notification at all. */
	NEVER,

	/** {@code SUCCESS}: on successful delivery. */
	SUCCESS,

	/** {@code FAILURE}: on failed delivery. */
	FAILURE,

	/** {@code DELAY}: when delivery is delayed. */
	DELAY

}
