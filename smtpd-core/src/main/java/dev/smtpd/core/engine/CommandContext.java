package dev.smtpd.core.engine;

import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Consumer;

import dev.smtpd.core.SmtpServerConfig;
import dev.smtpd.core.event.SessionEnd;
import dev.smtpd.core.handler.Reply;
import org.jspecify.annotations.Nullable;

/**
 * What a command family ({@link GreetingCommands}, {@link TransactionCommands},
 * {@link BasicCommands}, {@link StarttlsCommand}, {@link AuthCommand}) may do to its
 * session: read the state, answer, run hooks, and the few transitions a command starts.
 * The families know nothing else of the session; {@link SessionContext} implements this.
 * All methods are called on the event loop.
 */
interface CommandContext {

	SessionState session();

	TransactionState transaction();

	ServerContext server();

	default SmtpServerConfig config() {
		return server().config();
	}

	/**
	 * Answers the current command and lets the next one through.
	 * @param reply the reply
	 */
	void reply(Reply reply);

	/**
	 * Answers the current command with several replies, in order, and lets the next
	 * command through once the last one is written: LMTP's reply per recipient after
	 * DATA. Replies wait while the client does not read, so the server holds no more of
	 * them than the channel's high-water mark.
	 * @param replies the replies, at least one
	 */
	void replyEach(List<Reply> replies);

	/**
	 * Writes a reply that answers the current command without letting the next one
	 * through; for a reply followed by another (a refusal, then a {@code 421}).
	 * @param reply the reply
	 */
	void write(Reply reply);

	/**
	 * Answers, flushes and closes the connection.
	 * @param reply the reply
	 * @param end why the session ends
	 */
	void replyAndClose(Reply reply, SessionEnd end);

	/**
	 * Answers an unrecognized command, closing once a client sent too many.
	 */
	void unrecognized();

	/**
	 * Sets the verb the next reply answers, for a reply that ends a multi-step command
	 * (DATA, AUTH).
	 * @param verb the verb
	 */
	void answering(String verb);

	/**
	 * Runs a hook: at once on the event loop when no handler overrides it, else on the
	 * hook executor.
	 * @param hook the hook
	 * @param call the call of one handler's hook
	 * @param then what to do with the deciding reply ({@code null} for the default), on
	 * the event loop
	 */
	void runHook(Hook hook, HandlerChain.HookCall call, Consumer<@Nullable Reply> then);

	/**
	 * Runs work on the hook executor and hands its reply back to the event loop.
	 * @param work the work, which must not throw
	 * @param then what to do with the reply, on the event loop, while the channel is open
	 * @param refused what to clean up if the executor refuses the work, or if the session
	 * closed before the reply came back (then on the event loop, instead of
	 * {@code then}), or if the work timed out before it ran (then after {@code then} has
	 * had the timeout's reply: the work's own clean-up never happens)
	 */
	void runOffLoop(Callable<@Nullable Reply> work, Consumer<@Nullable Reply> then, Runnable refused);

	/**
	 * Runs work on the hook executor and hands its reply back to the event loop.
	 * @param work the work, which must not throw
	 * @param then what to do with the reply, on the event loop, while the channel is open
	 */
	default void runOffLoop(Callable<@Nullable Reply> work, Consumer<@Nullable Reply> then) {
		runOffLoop(work, then, () -> {
		});
	}

	/**
	 * Runs the delivery of a message (the DATA hook) like {@link #runOffLoop}, with the
	 * delivery timeout: the longer of the hook timeout and the data timeout.
	 * @param work the work, which must not throw
	 * @param then what to do with the reply, on the event loop, while the channel is open
	 * @param refused what to clean up if the executor refuses the work, or if the session
	 * closed before the reply came back (then on the event loop, instead of {@code then})
	 */
	void runDeliveryOffLoop(Callable<@Nullable Reply> work, Consumer<@Nullable Reply> then, Runnable refused);

	/**
	 * Runs the delivery of a message like {@link #runDeliveryOffLoop}, but leaves the
	 * answer to the caller when the executor is full: nothing is written then.
	 * @param work the work, which must not throw
	 * @param then what to do with the reply, on the event loop, while the channel is open
	 * @param dropped what to clean up, on the event loop, if the session closed before
	 * the reply came back
	 * @return {@code false} if the executor refused the work
	 */
	boolean tryOffLoop(Callable<@Nullable Reply> work, Consumer<@Nullable Reply> then, Runnable dropped);

	/** Starts a new, empty transaction. */
	void resetTransaction();

	/**
	 * Switches the connection to DATA: the bytes that follow are the message, up to CRLF
	 * "." CRLF, under the DATA deadline.
	 */
	void startData();

	/**
	 * Drops the connection, with no reply, once at least {@code octets} octets of the
	 * message being received arrived; a shorter message ends as usual. Call after
	 * {@link #startData()}.
	 * @param octets the octets to read first
	 */
	void dropDuringData(long octets);

	/**
	 * The whole message arrived (the final dot of DATA, or the last BDAT chunk): once its
	 * last octets are written (a spilled message is written off the event loop), the DATA
	 * hook or LMTP's replies answer it.
	 * @param status how the reception went
	 * @param message the content, handed over
	 */
	void messageReceived(DataStatus status, MessageBuffer message);

	/**
	 * Creates a buffer for the content of a message sent in BDAT chunks, in memory up to
	 * the threshold and then in a temporary file, as for DATA.
	 * @return the buffer
	 */
	MessageBuffer newChunkBuffer();

	/**
	 * Takes the BDAT chunk that follows the current command: exactly {@code size} octets,
	 * into {@code target} or dropped, then runs {@code done}.
	 * @param size the chunk's size
	 * @param target where the octets go, or {@code null} to drop them
	 * @param done what to do once the last octet arrived, with whether storing failed
	 */
	void startChunk(long size, @Nullable MessageBuffer target, Consumer<Boolean> done);

	/**
	 * Drops what the client sent beyond the current command.
	 * @return the number of bytes dropped
	 */
	int discardPipelined();

	/**
	 * Answers STARTTLS with {@code ready} in plaintext and starts the handshake.
	 * @param ready the {@code 220} reply
	 * @return {@code false} if TLS could not start (nothing was written)
	 */
	boolean startTls(Reply ready);

	/**
	 * Sends an intermediate reply (such as a {@code 334} challenge) and gives the next
	 * frame the client sends to {@code consumer} instead of the command dispatcher. For a
	 * SASL exchange.
	 * @param prompt the intermediate reply; it does not complete the command
	 * @param consumer what takes the frame, on the event loop
	 * @param abandoned what to run, on the event loop, if the session ends first, with
	 * the reason ({@link SessionEnd#TIMEOUT} when the client stayed silent for the idle
	 * timeout)
	 */
	void awaitLine(Reply prompt, Consumer<Frame> consumer, Consumer<SessionEnd> abandoned);

	/**
	 * Runs a task on the event loop after a delay, unless the session closed by then.
	 * @param task the task
	 * @param delayNanos the delay
	 */
	void schedule(Runnable task, long delayNanos);

}
