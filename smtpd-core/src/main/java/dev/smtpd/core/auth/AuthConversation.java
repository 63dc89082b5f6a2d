package dev.smtpd.core.auth;

import org.jspecify.annotations.Nullable;

/**
 * The server side of one SASL exchange, {@linkplain AuthMechanism#start started} for one
 * AUTH command. The engine calls {@link #first} once, then {@link #next} once for each
 * {@link AuthStep.Challenge challenge} the conversation returned, and {@link #checked}
 * once for each {@link AuthStep.Authenticate authenticate} step, until a step ends the
 * exchange ({@link AuthStep.Done} or {@link AuthStep.Abort}).
 * <p>
 * All calls come from the session's event loop, one at a time: a conversation needs no
 * synchronization, and must not block (the {@link Authenticator} is where blocking work
 * goes). The engine handles the client's {@code *} (cancel, {@code 501 5.7.0}), responses
 * that are not base64 ({@code 501 5.5.2}), and a client that does not answer (the
 * session's idle timeout); the conversation then hears nothing more. A step that throws
 * ends the exchange with {@code 454 4.7.0}, or with the reply of an
 * {@link dev.smtpd.core.handler.SmtpException}.
 * <p>
 * Never log or keep the responses: they carry secrets.
 */
public interface AuthConversation {

	/**
	 * The first step, with the initial response given on the AUTH line (RFC 4954 §4).
	 * @param initialResponse the decoded initial response; an empty array for {@code =};
	 * {@code null} when the client gave none, in which case a mechanism whose client
	 * speaks first answers with an empty {@linkplain AuthStep#challenge(byte[])
	 * challenge}
	 * @return the step
	 */
	AuthStep first(byte @Nullable [] initialResponse);

	/**
	 * The client's answer to the last challenge.
	 * @param response the decoded response, possibly empty
	 * @return the step
	 */
	AuthStep next(byte[] response);

	/**
	 * The authenticator's decision on the credentials of the last
	 * {@link AuthStep.Authenticate authenticate} step. By default the exchange ends with
	 * it; a mechanism with a final server message (such as SCRAM's) may send a challenge
	 * first. Returning another {@link AuthStep.Authenticate} from here is a mistake and
	 * ends the exchange with {@code 454 4.7.0}.
	 * @param result the decision, never {@code null}
	 * @return the step
	 */
	default AuthStep checked(AuthResult result) {
		return AuthStep.done(result);
	}

}
