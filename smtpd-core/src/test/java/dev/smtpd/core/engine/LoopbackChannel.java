package dev.smtpd.core.engine;

import java.net.InetSocketAddress;
import java.net.SocketAddress;

import io.netty.channel.ChannelHandler;
import io.netty.channel.embedded.EmbeddedChannel;

/**
 * An {@link EmbeddedChannel} with a loopback client address ({@code 127.0.0.1:40000}) and
 * {@code AUTO_READ} off, as the server's channels have it.
 */
final class LoopbackChannel extends EmbeddedChannel {

	private static final InetSocketAddress LOCAL = new InetSocketAddress("127.0.0.1", 25);

	private static final InetSocketAddress REMOTE = new InetSocketAddress("127.0.0.1", 40000);

	LoopbackChannel(ChannelHandler handler) {
		super(handler);
		config().setAutoRead(false);
	}

	@Override
	protected SocketAddress localAddress0() {
		return LOCAL;
	}

	@Override
	protected SocketAddress remoteAddress0() {
		return REMOTE;
	}

}
