package dev.smtpd.core.handler;

/** The {@code BODY} parameter of MAIL (RFC 6152). */
public enum BodyType {

	/** {@code BODY=7BIT}, the default. */
	SEVEN_BIT,

	/** {@code BODY=8BITMIME}. */
	EIGHT_BIT_MIME,

	/** {@code BODY=BINARYMIME} (RFC 3030): any octets, sent with BDAT only. */
	BINARYMIME

}
