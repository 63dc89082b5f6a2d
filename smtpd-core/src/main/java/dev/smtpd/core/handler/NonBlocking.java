package dev.smtpd.core.handler;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Declares hooks of an {@link SmtpHandler} that never block: no I/O, no locks held for
 * long, no waiting. The engine then calls them on the session's network thread, without
 * the hand-off to the hook executor and back that ordinary hooks cost (two thread
 * switches per command).
 * <p>
 * Put it on a hook method to mark that hook, or on the handler class to mark all its
 * hooks. A hook runs on the network thread only if every handler of the chain that
 * overrides it is non-blocking; otherwise the chain runs on the hook executor as usual. A
 * hook that blocks anyway stalls every session of its event loop: check a domain against
 * a set in memory here, but query a database in an ordinary hook.
 * <p>
 * A {@code data} hook marked this way reads the message on the network thread too, while
 * the message is in memory; a message that went to its temporary file (larger than
 * {@code memoryThreshold}) is handed to the hook executor, as disk reads block. The
 * {@code auth} and LMTP {@code deliver} hooks always run on the hook executor.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ ElementType.TYPE, ElementType.METHOD })
public @interface NonBlocking {

}
