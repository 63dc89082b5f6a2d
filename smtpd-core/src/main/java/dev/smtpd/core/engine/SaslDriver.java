package dev.smtpd.core.engine;

import java.net.InetAddress;
import java.util.Base64;
import java.util.Locale;
import java.util.function.Supplier;

import dev.smtpd.core.SmtpServerConfig;
import dev.smtpd.core.auth.AuthConversation;
import dev.smtpd.core.auth.AuthMechanism;
import dev.smtpd.core.auth.AuthResult;
import dev.smtpd.core.auth.AuthStep;
import dev.smtpd.core.auth.Authenticator;
import dev.smtpd.core.event.AuthOutcome;
import dev.smtpd.core.event.SessionEnd;
import dev.smtpd.core.handler.AuthAttempt;
import dev.smtpd.core.handler.Reply;
import dev.smtpd.core.handler.SmtpException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drives one AUTH exchange on the session's event loop: asks the {@link AuthConversation}
 * for each step, sends its challenges and hands it the client's responses, and sends only
 * the {@link Authenticator} call and the {@code auth} hook to the hook executor. No
 * thread waits for the client: while a challenge is out the session is merely idle, and
 * its idle timeout ends it.
 * <p>
 * The outcome goes to the listeners once. Refused credentials, and an exchange the client
 * left unanswered until the idle timeout closed the session, count as failed attempts of
 * the client's address; a cancel ({@code *}), a malformed response, or a disconnect do
 * not. Failures are answered after the throttle's delay, and the attempt that uses up the
 * address's allowance is followed by {@code 421} and close. Nothing the client sends is
 * ever logged.
 */
final class SaslDriver {

	private static final Logger logger = LoggerFactory.getLogger(SaslDriver.class);

	static final Reply SUCCESS = Reply.of(235, "2.7.0", "Authentication successful");

	static final Reply CANNOT_DECODE = Reply.of(501, "5.5.2", "Cannot decode response");

	private static final Reply CANCELLED = Reply.of(501, "5.7.0", "Authentication cancelled");

	private static final Reply TEMPORARY_FAILURE = Reply.of(454, "4.7.0", "Temporary authentication failure");

	private final CommandContext handler;

	private final AuthMechanism mechanism;

	/** The name for the listeners and the auth hook, upper-case. */
	private final String name;

	private final InetAddress address;

	private @Nullable AuthConversation conversation;

	/**
	 * The authenticator's decision, handed from the hook thread (the event loop hand-over
	 * orders it).
	 */
	private volatile @Nullable AuthResult decision;

	private boolean ended;

	private SaslDriver(CommandContext handler, AuthMechanism mechanism, InetAddress address) {
		this.handler = handler;
		this.mechanism = mechanism;
		this.name = mechanism.name().toUpperCase(Locale.ROOT);
		this.address = address;
	}

	/**
	 * Starts an exchange. Call on the event loop.
	 * @param handler the session
	 * @param mechanism the mechanism the client chose
	 * @param initialResponse the decoded initial response, or {@code null}
	 * @param address the client address, for the throttle
	 */
	static void start(CommandContext handler, AuthMechanism mechanism, byte @Nullable [] initialResponse,
			InetAddress address) {
		SaslDriver driver = new SaslDriver(handler, mechanism, address);
		driver.step(() -> {
			AuthConversation conversation = mechanism.start(handler.session());
			driver.conversation = conversation;
			return conversation.first(initialResponse);
		});
	}

	/** Asks the conversation for a step, on the event loop, and carries it out. */
	private void step(Supplier<AuthStep> call) {
		AuthStep step;
		try {
			step = call.get();
		}
		catch (SmtpException ex) {
			abort(ex.getReply());
			return;
		}
		catch (RuntimeException ex) {
			// the class only: a message might quote what the client sent
			logger.warn("Session {}: AUTH {} mechanism failed with {}", this.handler.session().id(), this.name,
					ex.getClass().getName());
			abort(TEMPORARY_FAILURE);
			return;
		}
		if (step instanceof AuthStep.Challenge challenge) {
			challenge(challenge.challenge());
		}
		else if (step instanceof AuthStep.Authenticate authenticate) {
			authenticate(authenticate.credentials());
		}
		else if (step instanceof AuthStep.Done done) {
			decided(done.result());
		}
		else if (step instanceof AuthStep.Abort abort) {
			abort(abort.reply());
		}
		else {
			logger.warn("Session {}: AUTH {} mechanism returned no step", this.handler.session().id(), this.name);
			abort(TEMPORARY_FAILURE);
		}
	}

	private void challenge(byte[] challenge) {
		this.handler.awaitLine(Reply.of(334, null, Base64.getEncoder().encodeToString(challenge)), this::response,
				this::closedWhileWaiting);
	}

	private void response(Frame frame) {
		if (!(frame instanceof Frame.Command command)) {
			abort(CANNOT_DECODE);
			return;
		}
		if (command.line().equals("*")) {
			abort(CANCELLED);
			return;
		}
		byte[] response = decode(command.line());
		if (response == null) {
			abort(CANNOT_DECODE);
			return;
		}
		step(() -> conversation().next(response));
	}

	/** The connection closed while a challenge waited for its answer. */
	private void closedWhileWaiting(SessionEnd reason) {
		if (this.ended) {
			return;
		}
		boolean timedOut = reason == SessionEnd.TIMEOUT;
		end(AuthOutcome.ERROR);
		if (timedOut) {
			this.handler.server().authThrottle().failed(this.address);
			logger.debug("Session {}: AUTH {} left unanswered, counted as a failed attempt",
					this.handler.session().id(), this.name);
		}
		else {
			logger.debug("Session {}: AUTH {} ended by the connection closing", this.handler.session().id(), this.name);
		}
	}

	private void authenticate(Object credentials) {
		Authenticator authenticator = this.handler.server().authenticator();
		if (authenticator == null) {
			decided(AuthResult.failure());
			return;
		}
		SessionState session = this.handler.session();
		String mechanism = this.mechanism.name();
		this.handler.runOffLoop(() -> {
			try {
				AuthResult result = authenticator.authenticate(session, mechanism, credentials);
				this.decision = (result != null) ? result : AuthResult.failure();
				return null;
			}
			catch (SmtpException ex) {
				return ex.getReply();
			}
			catch (Exception ex) {
				logger.warn("Session {}: authenticator failed with {}", session.id(), ex.getClass().getName());
				return TEMPORARY_FAILURE;
			}
		}, (reply) -> {
			AuthResult decision = this.decision;
			this.decision = null;
			if (reply != null || decision == null) {
				abort((reply != null) ? reply : TEMPORARY_FAILURE);
				return;
			}
			step(() -> {
				AuthStep next = conversation().checked(decision);
				if (next instanceof AuthStep.Authenticate) {
					logger.warn("Session {}: AUTH {} mechanism asked to authenticate again after checked", session.id(),
							this.name);
					return AuthStep.abort(TEMPORARY_FAILURE);
				}
				return next;
			});
		}, () -> end(AuthOutcome.ERROR));
	}

	/**
	 * The exchange has a result: the auth hook may see it and override the reply, then it
	 * is applied.
	 */
	private void decided(AuthResult result) {
		boolean success = result.success() && result.identity() != null;
		Reply reply = (result.reply() != null) ? result.reply() : (success ? SUCCESS : Reply.AUTH_FAILED);
		HandlerChain chain = this.handler.server().chain();
		if (chain.isEmpty(Hook.AUTH)) {
			apply(result, success, reply, null);
			return;
		}
		SessionState session = this.handler.session();
		AuthAttempt attempt = new AuthAttempt(this.name, success, success ? result.identity() : null, reply);
		this.handler.runOffLoop(() -> chain.call(Hook.AUTH, session, (hooked) -> hooked.auth(session, attempt)),
				(hookReply) -> apply(result, success, reply, hookReply), () -> {
					// a hook that timed out in the queue gets here after apply(), which
					// counted the failure already
					if (!this.ended) {
						end(AuthOutcome.ERROR);
						if (!success) {
							this.handler.server().authThrottle().failed(this.address);
						}
					}
				});
	}

	/**
	 * Applies an outcome. The hook's reply replaces a success's reply if it is positive
	 * ({@code 2xx}) and refuses the success if it is negative; it replaces a failure's
	 * reply if it is negative.
	 */
	private void apply(AuthResult result, boolean success, Reply reply, @Nullable Reply hookReply) {
		if (success && (hookReply == null || !isNegative(hookReply))) {
			end(AuthOutcome.SUCCESS);
			this.handler.session().authenticated(result.identity(), result.authData());
			this.handler.server().authThrottle().succeeded(this.address);
			this.handler.reply((hookReply != null && hookReply.code() / 100 == 2) ? hookReply : reply);
			return;
		}
		end(AuthOutcome.FAILURE);
		Reply failure = (hookReply != null && isNegative(hookReply)) ? hookReply : reply;
		AuthThrottle throttle = this.handler.server().authThrottle();
		long delay = throttle.failed(this.address);
		boolean blocked = throttle.isBlocked(this.address);
		CommandContext handler = this.handler;
		handler.schedule(() -> {
			if (blocked) {
				handler.write(failure);
				handler.replyAndClose(tooManyFailures(handler.config()), SessionEnd.LIMIT);
			}
			else {
				handler.reply(failure);
			}
		}, delay);
	}

	private static boolean isNegative(Reply reply) {
		return reply.code() >= 400;
	}

	/**
	 * Ends the exchange without a decision: cancelled or malformed ({@code 501}), else an
	 * error.
	 */
	private void abort(Reply reply) {
		end((reply.code() == 501) ? AuthOutcome.CANCELLED : AuthOutcome.ERROR);
		this.handler.reply(reply);
	}

	private void end(AuthOutcome outcome) {
		if (!this.ended) {
			this.ended = true;
			this.handler.server().listeners().authCompleted(this.handler.session(), this.name, outcome);
		}
	}

	private AuthConversation conversation() {
		AuthConversation conversation = this.conversation;
		if (conversation == null) {
			throw new IllegalStateException("Conversation not started");
		}
		return conversation;
	}

	static Reply tooManyFailures(SmtpServerConfig config) {
		return Reply.of(421, "4.7.0", config.hostname() + " Too many failed authentication attempts, closing");
	}

	/**
	 * Decodes base64 strictly, as RFC 4648 §3 has it and RFC 4954 §4 wants (anything else
	 * is {@code 501}): the padding included, nothing outside the base alphabet, no
	 * padding before the end, and the unused bits of the last character zero, so that
	 * each byte sequence has exactly one accepted text. The JDK's decoder alone accepts
	 * missing padding and non-zero unused bits.
	 * @param text the text
	 * @return the bytes, or {@code null} if the text is not base64
	 */
	static byte @Nullable [] decode(String text) {
		if (text.length() % 4 != 0) {
			return null;
		}
		byte[] bytes;
		try {
			bytes = Base64.getDecoder().decode(text);
		}
		catch (IllegalArgumentException ex) {
			return null;
		}
		// canonical: encoding the bytes gives the text back
		return Base64.getEncoder().encodeToString(bytes).equals(text) ? bytes : null;
	}

}
