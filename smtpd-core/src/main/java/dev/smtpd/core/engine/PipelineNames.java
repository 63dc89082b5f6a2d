package dev.smtpd.core.engine;

/**
 * Names of the handlers in an SMTP channel's pipeline, in pipeline order.
 */
final class PipelineNames {

	/** Refuses connections over the global or per-address limit. */
	static final String LIMITER = "limiter";

	/** Parses a PROXY protocol header, when enabled; removes itself after it. */
	static final String PROXY_DECODER = "proxy-decoder";

	/**
	 * Holds the session back until a trusted PROXY header came, when enabled; removes
	 * itself after it.
	 */
	static final String PROXY = "proxy";

	/** TLS, from the first byte (implicit TLS) or after STARTTLS. */
	static final String TLS = "tls";

	/** Splits bytes into command lines and DATA content. */
	static final String FRAMER = "framer";

	/** Writes replies. */
	static final String ENCODER = "encoder";

	/** The session's state machine. */
	static final String SESSION = "session";

	private PipelineNames() {
	}

}
