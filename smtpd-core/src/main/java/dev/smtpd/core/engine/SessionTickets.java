package dev.smtpd.core.engine;

import java.nio.ByteBuffer;

import javax.net.ssl.SSLEngine;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.ssl.ReferenceCountedOpenSslEngine;
import io.netty.handler.ssl.SslHandler;

/**
 * Sends the TLS 1.3 session tickets of Netty's OpenSSL provider (BoringSSL) as soon as a
 * STARTTLS handshake is done, instead of with the first reply.
 * <p>
 * BoringSSL holds its {@code NewSessionTicket} messages until the server's next
 * {@code SSL_write}, and documents a zero-byte write as the way to send them earlier.
 * After STARTTLS the client speaks first, so without that the server answers the client's
 * {@code Finished} with nothing: a client with Nagle's algorithm on (as MTAs are) then
 * holds its {@code EHLO} until the server's delayed ACK on every session (measured in
 * docs/performance.md, "The 40 ms stall after STARTTLS is gone"). Sending the tickets at
 * once acknowledges the {@code Finished} with data, as the JDK provider and OpenSSL do by
 * themselves. (Implicit TLS needs nothing: the greeting follows the handshake at once.)
 * <p>
 * Only used when {@code netty-tcnative} is on the class path; the JDK provider sends its
 * tickets itself.
 */
final class SessionTickets {

	private static final boolean TCNATIVE = isPresent("io.netty.internal.tcnative.SSL");

	private SessionTickets() {
	}

	/**
	 * Sends whatever the TLS engine holds back after a finished handshake.
	 * @param ctx the context of a handler behind the TLS handler
	 * @param tls the TLS handler whose handshake succeeded
	 */
	static void send(ChannelHandlerContext ctx, SslHandler tls) {
		SSLEngine engine = tls.engine();
		if (!TCNATIVE || !(engine instanceof ReferenceCountedOpenSslEngine openSsl)) {
			return;
		}
		if (ZeroByteWrite.write(openSsl)) {
			// the TLS handler wraps on a flush even with nothing to write, and so takes
			// the tickets out of the engine
			ctx.flush();
		}
	}

	private static boolean isPresent(String className) {
		try {
			Class.forName(className, false, SessionTickets.class.getClassLoader());
			return true;
		}
		catch (ClassNotFoundException | LinkageError ex) {
			return false;
		}
	}

	/** Holds the reference to tcnative, so it is loaded only where it is present. */
	private static final class ZeroByteWrite {

		/**
		 * tcnative wants a buffer address even for zero bytes; nothing is read from it.
		 */
		private static final long NOTHING = io.netty.internal.tcnative.Buffer.address(ByteBuffer.allocateDirect(1));

		static boolean write(ReferenceCountedOpenSslEngine engine) {
			// the engine's own lock: it guards every call into its SSL object
			synchronized (engine) {
				if (engine.isOutboundDone()) {
					return false;
				}
				io.netty.internal.tcnative.SSL.writeToSSL(engine.sslPointer(), NOTHING, 0);
				return true;
			}
		}

	}

}
