package dev.smtpd.core.handler;

import java.util.List;

import dev.smtpd.core.handler.MailOptions;
import dev.smtpd.core.handler.RcptOptions;
import dev.smtpd.core.handler.Reply;
import org.jspecify.annotations.Nullable;

/**
 * Hooks into an SMTP session, one per command, as aiosmtpd's {@code handle_XXX} methods.
 * <p>
 * Every hook returns either a {@link Reply} that answers the command, or {@code null} to
 * use the default behaviour. A hook may also throw
 * {@link dev.smtpd.core.handler.SmtpException} to answer with its reply; any other
 * exception goes to {@link #exception} and, if nothing handles it there, the client gets
 * {@code 451 4.3.0} and the session goes on.
 * <p>
 * Several handlers form a chain: for each hook, the first handler whose hook returns a
 * reply decides, and the rest are not asked. Hooks run on the server's hook executor,
 * never on a network thread, so they may block; hooks that no handler overrides are not
 * called at all, and hooks declared {@link NonBlocking} run on the network thread.
 * <p>
 * When MAIL or RCPT is answered with a positive reply (by a hook or by default), the
 * sender or recipient is recorded in the {@link Envelope}; a negative reply leaves the
 * envelope unchanged.
 * <p>
 * See {@code docs/handlers.md} for when each hook runs, on which thread, and examples.
 */
public interface SmtpHandler {

	/**
	 * Called when a client connects, before the greeting. A reply refuses the connection:
	 * it is sent instead of the greeting and the connection is closed (use a {@code 554}
	 * reply, such as {@code 554 5.7.1}, as RFC 5321 §3.1 asks).
	 * @param session the session, with its peer address
	 * @return the refusal, or {@code null} to greet the client
	 */
	default @Nullable Reply connect(Session session) throws Exception {
		return null;
	}

	/**
	 * Called when a connection began with a PROXY protocol header from a trusted proxy
	 * ({@code smtpd.proxy-protocol.enabled}), before the {@link #connect connect hook},
	 * as aiosmtpd's {@code handle_PROXY}. {@link Session#peerAddress()} is already the
	 * client the header names. A reply refuses the connection: it is sent instead of the
	 * greeting (the client behind the proxy reads it; use a {@code 554} reply) and the
	 * connection is closed. Called for every header, {@code LOCAL} ones included.
	 * @param session the session
	 * @param proxy the header: version, addresses, TLVs
	 * @return the refusal, or {@code null} to go on
	 */
	default @Nullable Reply proxy(Session session, ProxyInfo proxy) throws Exception {
		return null;
	}

	/**
	 * Called for HELO, after the name was checked.
	 * @param session the session
	 * @param hostname the name the client gave
	 * @return the reply, or {@code null} for {@code 250} and this server's host name
	 */
	default @Nullable Reply helo(Session session, String hostname) throws Exception {
		return null;
	}

	/**
	 * Called for EHLO, after the name was checked.
	 * @param session the session
	 * @param hostname the name the client gave
	 * @param keywords the extension keywords to advertise, such as
	 * {@code "SIZE 33554432"}; the hook may add, remove and change entries
	 * @return the reply, or {@code null} to advertise {@code keywords}
	 */
	default @Nullable Reply ehlo(Session session, String hostname, List<String> keywords) throws Exception {
		return null;
	}

	/**
	 * Called after a TLS handshake completed, with STARTTLS or on an implicit TLS
	 * connection, before anything more is read. {@link Session#tls()} tells the protocol,
	 * cipher suite and the client's certificates. A reply refuses the session: it is sent
	 * and the connection closed.
	 * @param session the session
	 * @param tls the negotiated protocol, cipher suite and peer certificates
	 * @return the refusal, or {@code null} to go on
	 */
	default @Nullable Reply starttls(Session session, TlsInfo tls) throws Exception {
		return null;
	}

	/**
	 * Called when an AUTH exchange has an outcome, before its reply is sent: to see each
	 * attempt, or to override it. Only decided attempts come here (the authenticator's or
	 * the mechanism's result), not a cancelled, malformed or abandoned exchange. A reply
	 * replaces the default one ({@code 235 2.7.0}, replaced only by another {@code 2xx},
	 * or the failure's); a negative reply to a successful attempt refuses it, so the
	 * session stays unauthenticated and the attempt counts as a failure. A failed attempt
	 * cannot be turned into a success: a positive reply to it is ignored.
	 * @param session the session, not yet authenticated
	 * @param attempt the mechanism, the outcome and the identity
	 * @return the reply, or {@code null} for the default
	 */
	default @Nullable Reply auth(Session session, AuthAttempt attempt) throws Exception {
		return null;
	}

	/**
	 * Called for MAIL FROM once its syntax and parameters were checked.
	 * @param session the session
	 * @param envelope the envelope, still without sender
	 * @param address the reverse path without angle brackets, empty for the null sender
	 * @param options the typed parameters
	 * @return the reply, or {@code null} for {@code 250 2.1.0 OK}
	 */
	default @Nullable Reply mail(Session session, Envelope envelope, String address, MailOptions options)
			throws Exception {
		return null;
	}

	/**
	 * Called for RCPT TO once its syntax and parameters were checked.
	 * @param session the session
	 * @param envelope the envelope with its sender and the recipients accepted so far
	 * @param address the forward path without angle brackets
	 * @param options the typed parameters
	 * @return the reply, or {@code null} for {@code 250 2.1.5 OK}
	 */
	default @Nullable Reply rcpt(Session session, Envelope envelope, String address, RcptOptions options)
			throws Exception {
		return null;
	}

	/**
	 * Called for DATA once the transaction has a sender and recipients, before the
	 * {@code 354} that invites the message. A negative reply refuses DATA (the envelope
	 * stays as it is); a positive one is ignored, the client gets {@code 354}. Throwing
	 * {@link DropConnectionException} sends the {@code 354} and then closes the
	 * connection, so the client loses it while it sends the message. Not called for BDAT,
	 * which has no {@code 354} (RFC 3030).
	 * @param session the session
	 * @param envelope the envelope: sender, recipients and their options
	 * @return a refusal, or {@code null} for {@code 354}
	 */
	default @Nullable Reply dataStart(Session session, Envelope envelope) throws Exception {
		return null;
	}

	/**
	 * Called once the whole message was received. The {@code 250} is sent only after this
	 * hook returns, so a handler that stores the message should do so durably here.
	 * <p>
	 * The content is valid until this hook returns (it may sit in pooled memory or in a
	 * temporary file that is then deleted): read it, stream it or copy it here, and keep
	 * no reference to it.
	 * @param session the session
	 * @param envelope the envelope: sender, recipients and their options
	 * @param content the message exactly as received after dot-unstuffing
	 * @return the reply, or {@code null} for {@code 250 2.0.0 OK}
	 */
	default @Nullable Reply data(Session session, Envelope envelope, MessageContent content) throws Exception {
		return null;
	}

	/**
	 * LMTP only: delivers the message to one recipient, so that each recipient gets a
	 * reply of its own after the final dot (RFC 2033 §4.2): one mailbox over quota does
	 * not fail the others. Called once per accepted recipient, in RCPT order, after the
	 * {@link #data DATA hook} (which runs once per message, for handlers that store a
	 * message once); a negative reply from the DATA hook answers every recipient and this
	 * hook is not called. Under SMTP this hook is never called.
	 * <p>
	 * The content is valid until this hook returns, as in {@link #data}.
	 * @param session the session
	 * @param envelope the envelope: sender, recipients and their options
	 * @param recipient the recipient to deliver to
	 * @param content the message exactly as received after dot-unstuffing
	 * @return the reply for this recipient, or {@code null} for the DATA hook's reply
	 * ({@code 250 2.0.0 OK} by default)
	 */
	default @Nullable Reply deliver(Session session, Envelope envelope, Recipient recipient, MessageContent content)
			throws Exception {
		return null;
	}

	/**
	 * Called for RSET, before the envelope is cleared.
	 * @param session the session
	 * @param envelope the envelope about to be cleared
	 * @return the reply, or {@code null} for {@code 250 2.0.0 OK}
	 */
	default @Nullable Reply rset(Session session, Envelope envelope) throws Exception {
		return null;
	}

	/**
	 * Called for NOOP.
	 * @param session the session
	 * @param argument the argument, empty if none
	 * @return the reply, or {@code null} for {@code 250 2.0.0 OK}
	 */
	default @Nullable Reply noop(Session session, String argument) throws Exception {
		return null;
	}

	/**
	 * Called for VRFY.
	 * @param session the session
	 * @param argument the argument
	 * @return the reply, or {@code null} for
	 * {@code 252 2.5.0 Cannot VRFY user, but will accept message and attempt delivery}
	 */
	default @Nullable Reply vrfy(Session session, String argument) throws Exception {
		return null;
	}

	/**
	 * Called for QUIT, before the {@code 221} and the close.
	 * @param session the session
	 * @return the reply, or {@code null} for {@code 221 2.0.0 <hostname> Bye}
	 */
	default @Nullable Reply quit(Session session) throws Exception {
		return null;
	}

	/**
	 * Called, on every handler in chain order until one returns a reply, when any
	 * handler's hook throws something other than an
	 * {@link dev.smtpd.core.handler.SmtpException}.
	 * @param session the session
	 * @param error what the hook threw
	 * @return the reply, or {@code null} for {@code 451 4.3.0}
	 */
	default @Nullable Reply exception(Session session, Throwable error) {
		return null;
	}

	/**
	 * Called when a client disconnects or is disconnected, for cleaning up per-session
	 * resources. Runs on the hook executor, after any other hook of the session that was
	 * running has returned (never beside it, as no two hooks of a session run at once);
	 * what it throws is logged.
	 * @param session the session
	 */
	default void disconnected(Session session) throws Exception {
	}

}
