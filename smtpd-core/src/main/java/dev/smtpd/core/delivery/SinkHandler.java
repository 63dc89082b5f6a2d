package dev.smtpd.core.delivery;

import dev.smtpd.core.handler.SmtpHandler;

/**
 * Accepts every message and throws it away, as aiosmtpd's {@code Sink}. It overrides no
 * hook, so a server with only this handler answers every command on its event loops, with
 * no thread hop: the fastest configuration, for load tests and for catching mail nobody
 * needs to read.
 */
public final class SinkHandler implements SmtpHandler {

	@Override
	public String toString() {
		return "SinkHandler";
	}

}
