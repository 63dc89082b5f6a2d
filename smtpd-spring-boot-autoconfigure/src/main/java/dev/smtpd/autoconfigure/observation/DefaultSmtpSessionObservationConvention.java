package dev.smtpd.autoconfigure.observation;

import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;

import dev.smtpd.core.event.SessionEnd;
import dev.smtpd.core.handler.ProxyInfo;
import dev.smtpd.core.handler.Session;
import io.micrometer.common.KeyValue;
import io.micrometer.common.KeyValues;

/**
 * The default convention: name {@code smtpd.session}, low-cardinality keys
 * {@code smtpd.end} and {@code smtpd.tls}, high-cardinality keys {@code smtpd.session.id}
 * and {@code smtpd.helo}, {@code client.address} (the client, behind any PROXY header)
 * and {@code network.peer.address} (the TCP peer: the proxy, if there is one). The
 * high-cardinality keys are given when the session ends (a tracer tags its span then),
 * not while it is open: the observation of an idle session then holds no more than its
 * meters need.
 */
public class DefaultSmtpSessionObservationConvention implements SmtpSessionObservationConvention {

	/** The low-cardinality key values of an open session, without and with TLS. */
	private static final KeyValues[] OPEN = lowCardinality("unknown");

	/** Those of each end, shared by every session's context. */
	private static final Map<SessionEnd, KeyValues[]> ENDS = ends();

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
		return ((end != null) ? ENDS.get(end) : OPEN)[(context.getSession().tls() != null) ? 1 : 0];
	}

	@Override
	public KeyValues getHighCardinalityKeyValues(SmtpSessionContext context) {
		if (context.getEnd() == null) {
			return KeyValues.empty();
		}
		Session session = context.getSession();
		String helo = session.heloName();
		ProxyInfo proxy = session.proxy();
		// OpenTelemetry's names: the client behind any proxy, and the TCP peer itself
		String client = session.peerAddress().getAddress().getHostAddress();
		String peer = (proxy != null) ? proxy.proxy().getAddress().getHostAddress() : client;
		return KeyValues.of("smtpd.session.id", session.id(), "smtpd.helo", (helo != null) ? helo : "",
				"client.address", client, "network.peer.address", peer);
	}

	private static Map<SessionEnd, KeyValues[]> ends() {
		Map<SessionEnd, KeyValues[]> ends = new EnumMap<>(SessionEnd.class);
		for (SessionEnd end : SessionEnd.values()) {
			ends.put(end, lowCardinality(end.name().toLowerCase(Locale.ROOT)));
		}
		return ends;
	}

	private static KeyValues[] lowCardinality(String end) {
		KeyValue endValue = KeyValue.of("smtpd.end", end);
		return new KeyValues[] { KeyValues.of(endValue, KeyValue.of("smtpd.tls", "false")),
				KeyValues.of(endValue, KeyValue.of("smtpd.tls", "true")) };
	}

}
