package dev.smtpd.core;

/**
 * How a server offers TLS.
 */
public enum TlsMode {

	/** Plaintext first; the client upgrades with STARTTLS (RFC 3207). */
	STARTTLS,

	/** TLS from the first byte (SMTPS, RFC 8314); STARTTLS is not offered. */
	IMPLICIT

}
