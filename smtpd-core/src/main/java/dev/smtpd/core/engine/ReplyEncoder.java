package dev.smtpd.core.engine;

import java.util.List;

import dev.smtpd.core.handler.Reply;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToByteEncoder;

/**
 * Writes a {@link Reply} as {@code code[-| ][status ]text CRLF} lines. Only printable
 * US-ASCII reaches the wire: any other character in the text (control characters, CR, LF,
 * non-ASCII that a client sent and a hook echoed) is written as {@code ?}.
 */
@Sharable
final class ReplyEncoder extends MessageToByteEncoder<Reply> {

	static final ReplyEncoder INSTANCE = new ReplyEncoder();

	private ReplyEncoder() {
		super(Reply.class, false);
	}

	@Override
	protected void encode(ChannelHandlerContext ctx, Reply reply, ByteBuf out) {
		encode(reply, out);
	}

	static void encode(Reply reply, ByteBuf out) {
		List<String> lines = reply.lines();
		String status = (reply.status() != null) ? reply.status().toString() : null;
		for (int i = 0, last = lines.size() - 1; i <= last; i++) {
			writeCode(reply.code(), out);
			out.writeByte((i < last) ? '-' : ' ');
			if (status != null) {
				out.writeCharSequence(status, java.nio.charset.StandardCharsets.US_ASCII);
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

	@Override
	protected ByteBuf allocateBuffer(ChannelHandlerContext ctx, Reply reply, boolean preferDirect) {
		int size = 0;
		for (String line : reply.lines()) {
			size += line.length() + 16;
		}
		return ctx.alloc().ioBuffer(size);
	}

}
