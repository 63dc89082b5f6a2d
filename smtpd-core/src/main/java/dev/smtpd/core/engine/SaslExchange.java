package dev.smtpd.core.engine;

import java.io.IOException;
import java.util.Base64;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import dev.smtpd.core.auth.AuthCancelledException;
import dev.smtpd.core.auth.AuthExchange;
import dev.smtpd.core.auth.AuthMechanism;
import dev.smtpd.core.auth.AuthResult;
import dev.smtpd.core.auth.Authenticator;
import dev.smtpd.core.handler.Reply;
import dev.smtpd.core.handler.Session;
import dev.smtpd.core.handler.SmtpException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One AUTH conversation. {@link #run} runs on the hook executor; each {@link #challenge} hands a
 * {@code 334} to the event loop and waits for the client's next line. Nothing the client sends is
 * ever logged.
 */
final class SaslExchange implements AuthExchange {

	private static final Logger logger = LoggerFactory.getLogger(SaslExchange.class);

	private static final Reply TEMPORARY_FAILURE = Reply.of(454, "4.7.0", "Temporary authentication failure");

	private final CommandContext handler;

	private final String mechanism;

	private final byte @Nullable [] initialResponse;

	private volatile @Nullable AuthResult result;

	private volatile boolean cancelled;

	SaslExchange(CommandContext handler, String mechanism, byte @Nullable [] initialResponse) {
		this.handler = handler;
		this.mechanism = mechanism;
		this.initialResponse = initialResponse;
	}

	/**
	 * Runs the mechanism. Never throws.
	 * @return a reply that ends the exchange early (a syntax error, a disconnect), or {@code null}
	 * when {@link #result()} or {@link #isCancelled()} tells the outcome
	 */
	@Nullable Reply run(AuthMechanism mechanism) {
		try {
			this.result = mechanism.authenticate(this);
			return null;
		}
		catch (AuthCancelledException ex) {
			this.cancelled = true;
			return null;
		}
		catch (SmtpException ex) {
			return ex.getReply();
		}
		catch (IOException ex) {
			logger.debug("Session {}: AUTH {} ended: {}", session().id(), this.mechanism, ex.getMessage());
			return Reply.of(421, "4.4.2", this.handler.config().hostname() + " Error: timeout exceeded");
		}
		catch (Exception ex) {
			logger.warn("Session {}: AUTH {} failed with {}", session().id(), this.mechanism, ex.getClass().getName());
			return TEMPORARY_FAILURE;
		}
	}

	@Nullable AuthResult result() {
		return this.result;
	}

	boolean isCancelled() {
		return this.cancelled;
	}

	@Override
	public Session session() {
		return this.handler.session();
	}

	@Override
	public byte @Nullable [] initialResponse() {
		return (this.initialResponse != null) ? this.initialResponse.clone() : null;
	}

	@Override
	public byte[] challenge(byte[] challenge) throws IOException, AuthCancelledException {
		CompletableFuture<Frame> response = new CompletableFuture<>();
		Reply prompt = Reply.of(334, null, Base64.getEncoder().encodeToString(challenge));
		this.handler.schedule(() -> this.handler.awaitLine(prompt, response::complete), 0);
		Frame frame;
		try {
			frame = response.get(this.handler.config().timeouts().timeout().toNanos(), TimeUnit.NANOSECONDS);
		}
		catch (TimeoutException ex) {
			throw new IOException("No AUTH response in time");
		}
		catch (ExecutionException ex) {
			throw new IOException("Connection closed during AUTH");
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IOException("Interrupted during AUTH");
		}
		if (!(frame instanceof Frame.Command command)) {
			throw new SmtpException(AuthCommand.CANNOT_DECODE);
		}
		if (command.line().equals("*")) {
			throw new AuthCancelledException();
		}
		byte[] decoded = AuthCommand.decode(command.line());
		if (decoded == null || command.line().equals("=")) {
			throw new SmtpException(AuthCommand.CANNOT_DECODE);
		}
		return decoded;
	}

	@Override
	public AuthResult authenticate(Object credentials) throws Exception {
		Authenticator authenticator = this.handler.server().authenticator();
		if (authenticator == null) {
			return AuthResult.failure();
		}
		AuthResult result = authenticator.authenticate(session(), this.mechanism, credentials);
		return (result != null) ? result : AuthResult.failure();
	}

}
