package dev.smtpd.core.engine;

import java.nio.charset.StandardCharsets;
import java.util.List;

import dev.smtpd.core.handler.Reply;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;

/**
 * Writes a {@link Reply} as {@code code[-| ][status ]text CRLF} lines. Only printable
 * US-ASCII reaches the wire: any other character in the text (control characters, CR, LF,
 * non-ASCII that a client sent and a hook echoed) is written as {@code ?}. The replies of
 * a message's usual path ({@link Reply#OK}, {@link Reply#MAIL_OK}, {@link Reply#RCPT_OK},
 * {@link Reply#START_DATA}) are encoded once and written as views of those bytes: most
 * replies then cost no buffer (docs/performance.md, "BDAT against DATA, fourth look").
 */
@Sharable
final class ReplyEncoder extends ChannelOutboundHandlerAdapter {

	static final ReplyEncoder INSTANCE = new ReplyEncoder();

	private static final Reply[] COMMON = { Reply.OK, Reply.MAIL_OK, Reply.RCPT_OK, Reply.START_DATA };

	private static final ByteBuf[] ENCODED = new ByteBuf[COMMON.length];

	static {
		for (int i = 0; i < COMMON.length; i++) {
			ByteBuf bytes = Unpooled.directBuffer(capacity(COMMON[i]));
			encode(COMMON[i], bytes);
			ENCODED[i] = Unpooled.unreleasableBuffer(bytes);
		}
	}

	private ReplyEncoder() {
	}

	@Override
	public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
		if (msg instanceof Reply reply) {
			ctx.write(encode(ctx.alloc(), reply), promise);
		}
		else {
			ctx.write(msg, promise);
		}
	}

	/**
	 * Returns a reply's bytes: a view of the shared ones for a common reply, or a new
	 * buffer.
	 * @param alloc where a new buffer comes from
	 * @param reply the reply
	 * @return the bytes, for one write
	 */
	static ByteBuf encode(ByteBufAllocator alloc, Reply reply) {
		for (int i = 0; i < COMMON.length; i++) {
			if (COMMON[i] == reply) {
				return ENCODED[i].duplicate();
			}
		}
		ByteBuf out = alloc.ioBuffer(capacity(reply));
		encode(reply, out);
		return out;
	}

	static void encode(Reply reply, ByteBuf out) {
		List<String> lines = reply.lines();
		String status = (reply.status() != null) ? reply.status().toString() : null;
		for (int i = 0, last = lines.size() - 1; i <= last; i++) {
			writeCode(reply.code(), out);
			out.writeByte((i < last) ? '-' : ' ');
			if (status != null) {
				out.writeCharSequence(status, StandardCharsets.US_ASCII);
				out.writeByte(' ');
			}
			String text = lines.get(i);
			for (int c = 0; c < text.length(); c++) {
				char ch = text.charAt(c);
				out.writeByte((ch >= ' ' && ch <= '~') ? ch : '?');
			}
			out.writeByte('\r');
			out.writeByte('\n');
		}
	}

	private static void writeCode(int code, ByteBuf out) {
		out.writeByte('0' + code / 100);
		out.writeByte('0' + (code / 10) % 10);
		out.writeByte('0' + code % 10);
	}

	private static int capacity(Reply reply) {
		int size = 0;
		for (String line : reply.lines()) {
			size += line.length() + 16;
		}
		return size;
	}

}
