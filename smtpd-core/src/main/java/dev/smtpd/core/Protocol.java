package dev.smtpd.core;

/** The protocol a server speaks. */
public enum Protocol {

	/** SMTP (RFC 5321). */
	SMTP,

	/**
	 * LMTP (RFC 2033): LHLO instead of HELO/EHLO, and a reply per recipient after DATA.
	 */
	LMTP

}
