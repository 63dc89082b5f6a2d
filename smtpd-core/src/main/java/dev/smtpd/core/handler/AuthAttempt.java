package dev.smtpd.core.handler;

import org.jspecify.annotations.Nullable;

/**
 * The outcome of one AUTH exchange, as the {@link SmtpHandler#auth auth hook} sees it.
 *
 * @param mechanism the SASL mechanism, upper-case, such as {@code PLAIN}
 * @param success whether the authenticator accepted the credentials
 * @param identity the identity the session gets on success (usually the login), else
 * {@code null}
 * @param reply the reply the client gets unless the hook returns another
 */
public record AuthAttempt(String mechanism, boolean success, @Nullable String identity, Reply reply) {

}
