package dev.smtpd.core.engine;

import java.security.cert.Certificate;
import java.util.List;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

import dev.smtpd.core.handler.Reply;
import dev.smtpd.core.handler.TlsInfo;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.ssl.SslHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * STARTTLS (RFC 3207). The {@code 220} goes out in plaintext, then the TLS handler is put
 * in front of the framer before another byte is read. Whatever the client pipelined
 * behind the command was read as plaintext and is dropped, never decoded after the
 * handshake (the CVE-2011-0411 class of attack). Once the handshake is done the session
 * forgets everything the client said before it (§4.2).
 */
final class StarttlsCommand {

	private static final Logger logger = LoggerFactory.getLogger(StarttlsCommand.class);

	static final Reply TLS_REQUIRED = Reply.of(530, "5.7.0", "Must issue a STARTTLS command first");

	private StarttlsCommand() {
	}

	static void starttls(CommandContext session, String argument) {
		SessionState state = session.session();
		if (state.tls() != null) {
			session.reply(Reply.of(503, "5.5.1", "Error: TLS already active"));
			return;
		}
		if (!session.server().offersStarttls()) {
			session.unrecognized();
			return;
		}
		if (!argument.isEmpty()) {
			session.reply(Reply.of(501, "5.5.4", "Syntax: STARTTLS"));
			return;
		}
		if (state.heloName() == null) {
			session.reply(Reply.of(503, "5.5.1", "Error: send EHLO first"));
			return;
		}
		if (!session.startTls(Reply.of(220, "2.0.0", "Ready to start TLS"))) {
			session.reply(Reply.of(454, "4.7.0", "TLS not available due to temporary reason"));
		}
	}

	/**
	 * Returns what was negotiated.
	 * @param tls the handler whose handshake succeeded
	 * @return the details
	 */
	static TlsInfo info(SslHandler tls) {
		SSLEngine engine = tls.engine();
		SSLSession ssl = engine.getSession();
		return new TlsInfo(ssl.getProtocol(), ssl.getCipherSuite(), peerCertificates(engine, ssl));
	}

	/**
	 * The client's certificates; none, without asking the session, when the server did
	 * not request any: the session would answer with an exception and its stack trace, on
	 * every handshake (docs/performance.md, "Our CPU per STARTTLS message").
	 */
	private static List<Certificate> peerCertificates(SSLEngine engine, SSLSession ssl) {
		if (!engine.getNeedClientAuth() && !engine.getWantClientAuth()) {
			return List.of();
		}
		try {
			return List.of(ssl.getPeerCertificates());
		}
		catch (SSLPeerUnverifiedException ex) {
			return List.of();
		}
	}

}
