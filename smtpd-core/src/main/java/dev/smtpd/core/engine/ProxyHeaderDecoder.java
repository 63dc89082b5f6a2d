package dev.smtpd.core.engine;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.handler.codec.haproxy.HAProxyProtocolException;
import io.netty.util.ReferenceCountUtil;

/**
 * Netty's PROXY header decoder (v1 and v2, told apart by their signatures), with two
 * bounds of our own:
 * <ul>
 * <li>a v2 header may carry at most {@link #MAX_TLV_BYTES} of TLVs, so a connection holds
 * at most about 4 KiB however large the header's length field claims it is (Netty's
 * default would buffer up to 64 KiB); a longer header fails as soon as that much
 * arrived;</li>
 * <li>the first bytes must be one of the two signatures ({@code "PROXY "} or v2's twelve
 * bytes), checked as they arrive: a client that starts talking SMTP, however short its
 * line, fails at its first byte that fits neither, rather than waiting for the
 * timeout.</li>
 * </ul>
 * Either failure is a {@link HAProxyProtocolException}, passed on to
 * {@link ProxyProtocolHandler}.
 */
final class ProxyHeaderDecoder extends HAProxyMessageDecoder {

	/** The most TLV bytes a v2 header may carry. */
	static final int MAX_TLV_BYTES = 4096;

	/**
	 * The most bytes the decoder holds while it waits for the rest of a header: a v2
	 * header's fixed 16 bytes, the longest address block (216, two Unix socket paths) and
	 * {@link #MAX_TLV_BYTES} (Netty fails a header once more than that arrived without
	 * its end; a v1 line is at most 108 bytes).
	 */
	static final int MAX_HEADER_BYTES = 16 + 216 + MAX_TLV_BYTES;

	private static final byte[] V1_SIGNATURE = { 'P', 'R', 'O', 'X', 'Y', ' ' };

	private static final byte[] V2_SIGNATURE = { 0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54,
			0x0A };

	/** Bytes of the signature checked so far. */
	private int checked;

	private boolean maybeV1 = true;

	private boolean maybeV2 = true;

	ProxyHeaderDecoder() {
		super(MAX_TLV_BYTES);
	}

	@Override
	public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
		if (this.checked < V2_SIGNATURE.length && msg instanceof ByteBuf bytes && !matchesSignature(bytes)) {
			ReferenceCountUtil.release(msg);
			this.checked = V2_SIGNATURE.length; // fail once
			throw new HAProxyProtocolException("Not a PROXY protocol header");
		}
		super.channelRead(ctx, msg);
	}

	/**
	 * Returns how many bytes the decoder holds, waiting for the rest of a header.
	 * @return the count
	 */
	int bufferedBytes() {
		return internalBuffer().readableBytes();
	}

	private boolean matchesSignature(ByteBuf bytes) {
		int count = Math.min(bytes.readableBytes(), V2_SIGNATURE.length - this.checked);
		for (int i = 0; i < count; i++) {
			int position = this.checked + i;
			byte b = bytes.getByte(bytes.readerIndex() + i);
			this.maybeV1 &= position >= V1_SIGNATURE.length || b == V1_SIGNATURE[position];
			this.maybeV2 &= b == V2_SIGNATURE[position];
		}
		this.checked += count;
		return this.maybeV1 || this.maybeV2;
	}

}
