package dev.smtpd.autoconfigure.observation;

import java.util.Locale;

import dev.smtpd.core.event.SessionEnd;
import dev.smtpd.core.handler.ProxyInfo;
import dev.smtpd.core.handler.Session;
import io.micrometer.common.KeyValues;

/**
 * The default convention: name {@code smtpd.session}, low-cardinality keys
 * {@code smtpd.end} and {@code smtpd.tls}, high-cardinality keys {@code smtpd.session.id}
 * and {@code smtpd.helo}, {@code client.address} (the client, behind any PROXY header)
 * and {@code network.peer.address} (the TCP peer: the proxy, if there is one).
 */
public class DefaultSmtpSessionObservationConvention implements SmtpSessionObservationConvention {

	@Override
	public String getName() {
		return "smtpd.session";
	}

	@Override
	public String getContextualName(SmtpSessionContext context) {
		return "smtp session";
	}

	@Override
	public KeyValues getLowCardinalityKeyValues(SmtpSessionContext context) {
		SessionEnd end = context.getEnd();
		return KeyValues.of("smtpd.end", (end != null) ? end.name().toLowerCase(Locale.ROOT) : "unknown", "smtpd.tls",
				(context.getSession().tls() != null) ? "true" : "false");
	}

	@Override
	public KeyValues getHighCardinalityKeyValues(SmtpSessionContext context) {
		Session session = context.getSession();
		String helo = session.heloName();
		ProxyInfo proxy = session.proxy();
		// OpenTelemetry's names: the client behind any proxy, and the TCP peer itself
		String client = session.peerAddress().getAddress().getHostAddress();
		String peer = (proxy != null) ? proxy.proxy().getAddress().getHostAddress() : client;
		return KeyValues.of("smtpd.session.id", session.id(), "smtpd.helo", (helo != null) ? helo : "",
				"client.address", client, "network.peer.address", peer);
	}

}
