package dev.smtpd.core.engine;

import java.util.Iterator;
import java.util.List;

import dev.smtpd.core.handler.Reply;
import io.netty.channel.ChannelHandlerContext;
import org.jspecify.annotations.Nullable;

/**
 * The replies of one session, in order: which command the next reply answers (for the
 * listeners), the replies of one command still waiting for the client to read (LMTP's per
 * recipient), and whether the next command may pass. A session reads its next command
 * only once the channel can take the reply, so a client that does not read holds no more
 * of its replies than the channel's high-water mark. Every method runs on the session's
 * event loop; {@link SessionContext} decides when the session is over, this class only
 * writes.
 */
final class ReplyFlow {

	private final ChannelHandlerContext ctx;

	private final SmtpFrameDecoder framer;

	private final Listeners listeners;

	private final SessionState session;

	/** The verb being answered, for the listeners; {@code null} between commands. */
	private @Nullable String verb;

	private long commands;

	/** Replies of one command still to be written once the channel is writable. */
	private @Nullable Iterator<Reply> pending;

	private boolean resumeWhenWritable;

	ReplyFlow(ChannelHandlerContext ctx, SmtpFrameDecoder framer, Listeners listeners, SessionState session) {
		this.ctx = ctx;
		this.framer = framer;
		this.listeners = listeners;
		this.session = session;
	}

	/**
	 * Counts a command about to be answered.
	 * @param verb the verb for the listeners
	 */
	void command(String verb) {
		this.commands++;
		this.verb = verb;
	}

	/**
	 * Sets the verb the next reply answers, for a reply that ends a multi-step command.
	 * @param verb the verb
	 */
	void answering(String verb) {
		this.verb = verb;
	}

	/** Forgets the command being answered: its reply will not come. */
	void forgetCommand() {
		this.verb = null;
	}

	long commands() {
		return this.commands;
	}

	/**
	 * Writes a reply, without flushing; the first reply after a command completes it.
	 * @param reply the reply, not {@link HandlerChain#DROP}
	 */
	void write(Reply reply) {
		completed(reply);
		this.ctx.write(reply);
	}

	/**
	 * Tells the listeners that the current command got its reply, once.
	 * @param reply the reply
	 */
	void completed(Reply reply) {
		String verb = this.verb;
		if (verb != null) {
			this.verb = null;
			this.listeners.commandCompleted(this.session, verb, reply.code());
		}
	}

	/**
	 * Takes the replies of one command and writes them while the channel takes them.
	 * @param replies the replies, at least one
	 * @return the reply that ends the command, for the caller to answer with (the last
	 * one, or {@link HandlerChain#DROP}); {@code null} while the others wait for the
	 * client to read
	 */
	@Nullable Reply writeEach(List<Reply> replies) {
		this.pending = replies.iterator();
		return writePending();
	}

	boolean hasPending() {
		return this.pending != null;
	}

	/**
	 * Returns whether replies or the next command wait for the channel to be writable.
	 * @return whether {@link #writable()} has anything to do
	 */
	boolean waitsForWritable() {
		return this.pending != null || this.resumeWhenWritable;
	}

	/**
	 * Writes pending replies while the channel takes them.
	 * @return the reply that ends the command, as for {@link #writeEach}
	 */
	private @Nullable Reply writePending() {
		Iterator<Reply> replies = this.pending;
		while (replies != null && replies.hasNext()) {
			Reply reply = replies.next();
			if (!replies.hasNext() || reply == HandlerChain.DROP) {
				this.pending = null;
				return reply;
			}
			write(reply);
			if (!this.ctx.channel().isWritable()) {
				// the rest once the client has read these (channelWritabilityChanged)
				this.ctx.flush();
				return null;
			}
		}
		return null;
	}

	/** Lets the framer pass the next frame now, or once the channel is writable again. */
	void resume() {
		if (this.ctx.channel().isWritable()) {
			this.framer.resume();
		}
		else {
			this.resumeWhenWritable = true;
		}
	}

	/**
	 * The channel can take writes again: writes what waited, or lets the next frame pass.
	 * @return the reply that ends the command, as for {@link #writeEach}
	 */
	@Nullable Reply writable() {
		if (this.pending != null) {
			return writePending();
		}
		if (this.resumeWhenWritable) {
			this.resumeWhenWritable = false;
			this.framer.resume();
		}
		return null;
	}

}
