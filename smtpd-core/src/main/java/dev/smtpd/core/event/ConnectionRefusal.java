package dev.smtpd.core.event;

/**
 * Why a connection was refused before its session began.
 */
public enum ConnectionRefusal {

	/** Over {@code max-connections}. */
	MAX_CONNECTIONS,

	/** Over {@code max-connections-per-address}. */
	MAX_CONNECTIONS_PER_ADDRESS,

	/** Over the connection rate limit ({@code rate-limit.connections-per-minute}). */
	RATE_LIMIT

}
