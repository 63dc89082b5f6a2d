package dev.smtpd.core.engine;

import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

import dev.smtpd.core.handler.Session;
import dev.smtpd.core.handler.TlsInfo;
import org.jspecify.annotations.Nullable;

/**
 * The engine's view of a session. Written by the event loop and, while a hook runs, read
 * by the hook thread; the hand-over through the executor orders the two.
 */
final class SessionState implements Session {

	private final String id;

	private final InetSocketAddress peerAddress;

	private final InetSocketAddress localAddress;

	private final Instant startedAt = Instant.now();

	private @Nullable Map<String, Object> attributes;

	private @Nullable String heloName;

	private boolean extended;

	private @Nullable TlsInfo tls;

	private @Nullable String login;

	private @Nullable Object authData;

	SessionState(String id, InetSocketAddress peerAddress, InetSocketAddress localAddress) {
		this.id = id;
		this.peerAddress = peerAddress;
		this.localAddress = localAddress;
	}

	@Override
	public String id() {
		return this.id;
	}

	@Override
	public InetSocketAddress peerAddress() {
		return this.peerAddress;
	}

	@Override
	public InetSocketAddress localAddress() {
		return this.localAddress;
	}

	@Override
	public Instant startedAt() {
		return this.startedAt;
	}

	@Override
	public @Nullable String heloName() {
		return this.heloName;
	}

	@Override
	public boolean isExtended() {
		return this.extended;
	}

	void greeted(@Nullable String heloName, boolean extended) {
		this.heloName = heloName;
		this.extended = extended;
	}

	@Override
	public @Nullable TlsInfo tls() {
		return this.tls;
	}

	void tls(@Nullable TlsInfo tls) {
		this.tls = tls;
	}

	@Override
	public @Nullable String login() {
		return this.login;
	}

	@Override
	public @Nullable Object authData() {
		return this.authData;
	}

	void authenticated(@Nullable String login, @Nullable Object authData) {
		this.login = login;
		this.authData = authData;
	}

	@Override
	public Map<String, Object> attributes() {
		Map<String, Object> attributes = this.attributes;
		if (attributes == null) { // most sessions never use them
			attributes = new HashMap<>();
			this.attributes = attributes;
		}
		return attributes;
	}

	@Override
	public String toString() {
		return "Session[" + this.id + " " + this.peerAddress + "]";
	}

}
