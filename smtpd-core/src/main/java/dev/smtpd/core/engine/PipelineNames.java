package dev.smtpd.core.engine;

/**
 * Names of the handlers in an SMTP channel's pipeline, in pipeline order.
 */
public final class PipelineNames {

	/** Refuses connections over the global or per-address limit. */
	public static final String LIMITER = "limiter";

	/** Decodes a PROXY protocol header, when enabled. */
	public static final String PROXY = "proxy";

	/** TLS, from the first byte (implicit TLS) or after STARTTLS. */
	public static final String TLS = "tls";

	/** Splits bytes into command lines and DATA content. */
	public static final String FRAMER = "framer";

	/** Writes replies. */
	public static final String ENCODER = "encoder";

	/** The session's state machine. */
	public static final String SESSION = "session";

	private PipelineNames() {
	}

}
