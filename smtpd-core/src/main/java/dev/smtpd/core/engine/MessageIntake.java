package dev.smtpd.core.engine;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

import dev.smtpd.core.Protocol;
import dev.smtpd.core.SmtpServerConfig;
import dev.smtpd.core.event.SessionEnd;
import dev.smtpd.core.handler.BodyType;
import dev.smtpd.core.handler.MessageContent.Transfer;
import dev.smtpd.core.handler.Reply;
import io.netty.channel.ChannelHandlerContext;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How one session takes in a message: the DATA phase, BDAT chunks of a declared size, the
 * buffer they go to, the deadline and the minimum rate both are under, and the wait for a
 * spilled message's last write before the DATA hook (or LMTP's replies) answer it. A
 * chunked message is under them from its first chunk to its last, as a DATA phase is from
 * its {@code 354} to its final dot; a refused chunk outside a chunked message (a BDAT
 * before RCPT, say) from its command to its last octet, since its octets are read all the
 * same. Owned by the {@link SessionContext}; the session is handed in where a reply is
 * due.
 */
final class MessageIntake {

	private static final Logger logger = LoggerFactory.getLogger(MessageIntake.class);

	private final ServerContext server;

	private final SmtpFrameDecoder framer;

	private final ChannelHandlerContext ctx;

	private final SessionTimers timers;

	private final MinimumDataRate rate;

	/** What to do when the BDAT chunk being read ends. */
	private @Nullable Consumer<Boolean> chunkDone;

	/** The whole message arrived and its last chunk is still being written. */
	private boolean awaitingDisk;

	/**
	 * Whether a chunk of the message was taken: the deadline and rate run until its end.
	 * While it is {@code false} a chunk being read is a refused one, under them alone.
	 */
	private boolean chunkedMessage;

	MessageIntake(ServerContext server, SmtpFrameDecoder framer, ChannelHandlerContext ctx, SessionTimers timers) {
		this.server = server;
		this.framer = framer;
		this.ctx = ctx;
		this.timers = timers;
		SmtpServerConfig.Timeouts timeouts = server.config().timeouts();
		this.rate = new MinimumDataRate(ctx.executor(), timeouts.dataMinRate(), timeouts.timeout(), framer::bytesRead,
				framer::serverWaitNanos);
	}

	/**
	 * Returns whether the session waits for the disk (it is not idle then).
	 * @return whether a write of the message holds the session up
	 */
	boolean isWaitingForDisk() {
		return this.awaitingDisk || this.framer.isWaitingForDisk();
	}

	/**
	 * Creates the buffer for a message's content, which tells the DATA hook how the
	 * message arrived.
	 * @param transfer DATA or BDAT
	 * @param body the body type declared on MAIL
	 * @return the buffer
	 */
	MessageBuffer newBuffer(Transfer transfer, BodyType body) {
		SmtpServerConfig config = this.server.config();
		return new MessageBuffer(this.ctx.alloc(), config.content().memoryThreshold(), this.server.spillDirectory(),
				this.server.fileExecutor(), this.ctx.executor(), transfer, body);
	}

	/**
	 * Switches to DATA under the DATA deadline.
	 * @param session the session, answered {@code 421} (once per recipient under LMTP)
	 * when the deadline passes
	 */
	void startData(CommandContext session) {
		SmtpServerConfig config = this.server.config();
		this.framer.startData(config.limits().dataSizeLimit(),
				newBuffer(Transfer.DATA, session.transaction().mailOptions().body()));
		startDeadline(session, "DATA");
		this.rate.start(() -> tooSlow(session));
	}

	private void startDeadline(CommandContext session, String verb) {
		Duration deadline = this.server.config().timeouts().dataTimeout();
		this.timers.startDataDeadline(deadline, () -> {
			logger.debug("Session {}: {} took longer than {}", session.session().id(), verb, deadline);
			abandon(session, "Error: " + verb + " took too long");
		});
	}

	private void stopDeadlineAndRate() {
		this.timers.cancelDataDeadline();
		this.rate.stop();
	}

	/**
	 * Switches to a BDAT chunk. The first chunk of a message starts the deadline and the
	 * minimum rate, which run until the message is complete or the transaction over; a
	 * refused chunk outside a chunked message runs under them alone.
	 * @param session the session
	 * @param size the chunk's size
	 * @param target where the octets go, {@code null} to drop them
	 * @param done what to do when the chunk ended
	 */
	void startChunk(CommandContext session, long size, @Nullable MessageBuffer target, Consumer<Boolean> done) {
		this.chunkDone = done;
		this.framer.startChunk(size, target);
		if (!this.chunkedMessage) {
			// the first chunk of a message, or a refused one alone; later chunks of the
			// message run under what its first started
			startDeadline(session, "BDAT");
			this.rate.start(() -> tooSlow(session));
		}
		if (target != null) {
			this.chunkedMessage = true;
		}
	}

	/** The transaction is over: a message no longer arrives. */
	void transactionEnded() {
		this.chunkedMessage = false;
		stopDeadlineAndRate();
	}

	private void tooSlow(CommandContext session) {
		logger.debug("Session {}: message arrived slower than {} octets a second", session.session().id(),
				this.server.config().timeouts().dataMinRate());
		abandon(session, "Error: data too slow");
	}

	/** Answers {@code 421 4.4.2} (once per recipient under LMTP) and closes. */
	private void abandon(CommandContext session, String text) {
		SmtpServerConfig config = this.server.config();
		this.rate.stop();
		Reply reply = Reply.of(421, "4.4.2", config.hostname() + " " + text);
		if (config.protocol() == Protocol.LMTP) {
			// RFC 2033 §4.2: one reply per recipient, also when the whole DATA fails
			for (int i = 1; i < session.transaction().recipients().size(); i++) {
				session.write(reply);
			}
		}
		session.replyAndClose(reply, SessionEnd.TIMEOUT);
	}

	void chunkEnded(boolean failed) {
		if (!this.chunkedMessage) {
			stopDeadlineAndRate(); // a refused chunk alone
		}
		Consumer<Boolean> done = this.chunkDone;
		this.chunkDone = null;
		if (done != null) {
			done.accept(failed);
		}
	}

	/**
	 * The whole message arrived: once its last octets are written it goes to the DATA
	 * hook (or LMTP's replies).
	 * @param session the session
	 * @param status how the reception went
	 * @param message the content, handed over
	 * @param closing whether the session is closing by now
	 */
	void messageReceived(CommandContext session, DataStatus status, MessageBuffer message, BooleanSupplier closing) {
		this.chunkedMessage = false;
		stopDeadlineAndRate();
		if (status != DataStatus.OK) {
			// refused anyway: no need to wait for the disk
			this.timers.activity();
			TransactionCommands.dataEnd(session, status, message);
			return;
		}
		this.awaitingDisk = true;
		// A spilled message is complete once its last chunk is on disk (written off the
		// event loop). Its reply then goes out from a task of its own, so it is flushed
		// there; one kept in memory is answered at once, and flushed with the other
		// replies of the same read (one write for pipelined commands).
		boolean later = message.isSpilled();
		message.whenWritten(() -> {
			this.awaitingDisk = false;
			this.timers.activity();
			if (closing.getAsBoolean()) {
				message.release();
				return;
			}
			TransactionCommands.dataEnd(session, message.hasFailed() ? DataStatus.IO_ERROR : DataStatus.OK, message);
			if (later) {
				this.ctx.flush();
			}
		});
	}

}
