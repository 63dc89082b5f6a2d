package dev.smtpd.core.engine;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import dev.smtpd.core.event.ConnectionRefusal;
import dev.smtpd.core.handler.Reply;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import org.jspecify.annotations.Nullable;

/**
 * Counts open connections, globally and per client address, and answers a connection over
 * either limit, or over the connection rate limit ({@link RateGate}), with {@code 421}
 * and a close before any other handler sees it. A connection on the Unix domain socket
 * counts towards the global limit only: it has no client address, and the socket file's
 * permissions decide who may connect. With the PROXY protocol the client's address is
 * known only once the header came, so the per-address limit and the rate limit are
 * applied then, by {@link #admit}; the global limit still at accept.
 */
@Sharable
final class ConnectionLimiter extends ChannelInboundHandlerAdapter {

	private final int maxConnections;

	private final int maxPerAddress;

	private final String hostname;

	private final AtomicInteger total = new AtomicInteger();

	/**
	 * Open connections per address; counted up and down atomically with the entry, so a
	 * connection opening on one event loop while the last one of its address closes on
	 * another is never counted in an entry that is being removed.
	 */
	private final ConcurrentHashMap<InetAddress, Integer> perAddress = new ConcurrentHashMap<>();

	private final AtomicInteger refused = new AtomicInteger();

	/** The close listener of a connection not counted per address: one for all. */
	private final ChannelFutureListener releaseTotal = (future) -> release(null);

	private final Listeners listeners;

	private final RateGate rateGate;

	/**
	 * Whether the per-address and rate limits wait for a PROXY header ({@link #admit}).
	 */
	private final boolean admitAfterHeader;

	ConnectionLimiter(int maxConnections, int maxPerAddress, boolean admitAfterHeader, String hostname,
			Listeners listeners, RateGate rateGate) {
		this.listeners = listeners;
		this.rateGate = rateGate;
		this.admitAfterHeader = admitAfterHeader;
		this.maxConnections = maxConnections;
		this.maxPerAddress = maxPerAddress;
		this.hostname = hostname;
	}

	@Override
	public void channelActive(ChannelHandlerContext ctx) throws Exception {
		int count = this.total.incrementAndGet();
		InetAddress address = null;
		int countForAddress = 0;
		if (this.maxPerAddress > 0 && !this.admitAfterHeader
				&& ctx.channel().remoteAddress() instanceof InetSocketAddress peer) {
			address = peer.getAddress();
			countForAddress = this.perAddress.merge(address, 1, Integer::sum);
		}
		InetAddress counted = address;
		// A listener rather than channelInactive, so that this handler can leave the
		// pipeline: an
		// idle connection then costs one listener here instead of a handler context and
		// an attribute.
		ChannelFutureListener release = (counted != null) ? (future) -> release(counted) : this.releaseTotal;
		ctx.channel().closeFuture().addListener(release);
		if (this.maxConnections > 0 && count > this.maxConnections) {
			refuse(ctx, "Too many connections, try again later", ConnectionRefusal.MAX_CONNECTIONS,
					SessionState.inetAddress(ctx.channel().remoteAddress()));
			return;
		}
		if (this.maxPerAddress > 0 && countForAddress > this.maxPerAddress) {
			refuse(ctx, "Too many connections from your address, try again later",
					ConnectionRefusal.MAX_CONNECTIONS_PER_ADDRESS,
					SessionState.inetAddress(ctx.channel().remoteAddress()));
			return;
		}
		if (!this.admitAfterHeader && this.rateGate.refusesConnection(ctx.channel().remoteAddress())) {
			refuse(ctx, "Error: too many connections from your address, try again later", ConnectionRefusal.RATE_LIMIT,
					SessionState.inetAddress(ctx.channel().remoteAddress()));
			return;
		}
		ctx.pipeline().remove(this);
		ctx.fireChannelActive();
	}

	/**
	 * Counts a connection under the per-address limit and the connection rate limit once
	 * its PROXY header named the client, or refuses it with {@code 421} and a close.
	 * @param ctx the context to answer on
	 * @param client the client the header named, or the proxy for a {@code LOCAL} header
	 * @return whether the connection may go on
	 */
	boolean admit(ChannelHandlerContext ctx, InetSocketAddress client) {
		if (this.maxPerAddress > 0) {
			InetAddress address = client.getAddress();
			int count = this.perAddress.merge(address, 1, Integer::sum);
			ctx.channel().closeFuture().addListener((future) -> releaseAddress(address));
			if (count > this.maxPerAddress) {
				refuse(ctx, "Too many connections from your address, try again later",
						ConnectionRefusal.MAX_CONNECTIONS_PER_ADDRESS, client);
				return false;
			}
		}
		if (this.rateGate.refusesConnection(client)) {
			refuse(ctx, "Error: too many connections from your address, try again later", ConnectionRefusal.RATE_LIMIT,
					client);
			return false;
		}
		return true;
	}

	/**
	 * Counts a connection closed before its session began for a reason of its own (its
	 * PROXY header), and tells the listeners.
	 * @param peer the connection's peer
	 * @param reason why
	 */
	void refused(InetSocketAddress peer, ConnectionRefusal reason) {
		this.refused.incrementAndGet();
		this.listeners.connectionRefused(peer, reason);
	}

	private void release(@Nullable InetAddress address) {
		this.total.decrementAndGet();
		if (address != null) {
			releaseAddress(address);
		}
	}

	private void releaseAddress(InetAddress address) {
		this.perAddress.computeIfPresent(address, (key, count) -> (count == 1) ? null : count - 1);
	}

	private void refuse(ChannelHandlerContext ctx, String text, ConnectionRefusal reason, InetSocketAddress peer) {
		refused(peer, reason);
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

}
