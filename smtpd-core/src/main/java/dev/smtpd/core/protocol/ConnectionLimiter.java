package dev.smtpd.core.protocol;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import dev.smtpd.core.event.ConnectionRefusal;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.AttributeKey;

/**
 * Counts open connections, globally and per client address, and answers a connection over either
 * limit with {@code 421} and a close before any other handler sees it.
 */
@Sharable
final class ConnectionLimiter extends ChannelInboundHandlerAdapter {

	private static final AttributeKey<InetAddress> COUNTED = AttributeKey.valueOf("smtpd.counted");

	private final int maxConnections;

	private final int maxPerAddress;

	private final String hostname;

	private final AtomicInteger total = new AtomicInteger();

	private final ConcurrentHashMap<InetAddress, AtomicInteger> perAddress = new ConcurrentHashMap<>();

	private final AtomicInteger refused = new AtomicInteger();

	private final Listeners listeners;

	ConnectionLimiter(int maxConnections, int maxPerAddress, String hostname, Listeners listeners) {
		this.listeners = listeners;
		this.maxConnections = maxConnections;
		this.maxPerAddress = maxPerAddress;
		this.hostname = hostname;
	}

	@Override
	public void channelActive(ChannelHandlerContext ctx) throws Exception {
		InetAddress address = addressOf(ctx.channel().remoteAddress());
		int count = this.total.incrementAndGet();
		AtomicInteger forAddress = this.perAddress.computeIfAbsent(address, (key) -> new AtomicInteger());
		int countForAddress = forAddress.incrementAndGet();
		ctx.channel().attr(COUNTED).set(address);
		if (this.maxConnections > 0 && count > this.maxConnections) {
			refuse(ctx, "Too many connections, try again later", ConnectionRefusal.MAX_CONNECTIONS);
			return;
		}
		if (this.maxPerAddress > 0 && countForAddress > this.maxPerAddress) {
			refuse(ctx, "Too many connections from your address, try again later",
					ConnectionRefusal.MAX_CONNECTIONS_PER_ADDRESS);
			return;
		}
		ctx.fireChannelActive();
	}

	@Override
	public void channelInactive(ChannelHandlerContext ctx) throws Exception {
		InetAddress address = ctx.channel().attr(COUNTED).getAndSet(null);
		if (address != null) {
			this.total.decrementAndGet();
			this.perAddress.computeIfPresent(address, (key, count) -> (count.decrementAndGet() == 0) ? null : count);
		}
		ctx.fireChannelInactive();
	}

	private void refuse(ChannelHandlerContext ctx, String text, ConnectionRefusal reason) {
		this.refused.incrementAndGet();
		if (ctx.channel().remoteAddress() instanceof InetSocketAddress peer) {
			this.listeners.connectionRefused(peer, reason);
		}
		ByteBuf out = ctx.alloc().buffer(64);
		ReplyEncoder.encode(Reply.of(421, "4.7.0", this.hostname + " " + text), out);
		ctx.writeAndFlush(out).addListener(ChannelFutureListener.CLOSE);
	}

	/**
	 * Returns the connections open now.
	 * @return the count
	 */
	int activeConnections() {
		return this.total.get();
	}

	/**
	 * Returns how many connections were refused so far.
	 * @return the count
	 */
	int refusedConnections() {
		return this.refused.get();
	}

	private static InetAddress addressOf(SocketAddress address) {
		return (address instanceof InetSocketAddress inet) ? inet.getAddress() : InetAddress.getLoopbackAddress();
	}

}
