package dev.smtpd.core.engine;

import java.util.concurrent.Callable;
import java.util.function.Consumer;

import dev.smtpd.core.Protocol;
import dev.smtpd.core.event.SessionEnd;
import dev.smtpd.core.handler.BodyType;
import dev.smtpd.core.handler.MessageContent;
import dev.smtpd.core.handler.RateLimiter;
import dev.smtpd.core.handler.Recipient;
import dev.smtpd.core.handler.Reply;
import dev.smtpd.core.handler.SmtpException;
import org.jspecify.annotations.Nullable;

/**
 * MAIL, RCPT, DATA and RSET: the mail transaction (RFC 5321 §3.3).
 */
final class TransactionCommands {

	private static final Reply NEED_HELO = Reply.of(503, "5.5.1", "Error: send HELO first");

	private static final Reply NESTED_MAIL = Reply.of(503, "5.5.1", "Error: nested MAIL command");

	private static final Reply NEED_MAIL = Reply.of(503, "5.5.1", "Error: need MAIL command");

	private static final Reply BINARYMIME_NOT_OFFERED = Reply.of(555, "5.5.4", "BODY=BINARYMIME not offered");

	private static final Reply BINARYMIME_NEEDS_BDAT = Reply.of(503, "5.5.1", "Error: BINARYMIME needs BDAT, not DATA");

	private static final Reply NEED_RCPT = Reply.of(503, "5.5.1", "Error: need RCPT command");

	private static final Reply LINE_TOO_LONG_IN_DATA = Reply.of(500, "5.5.2", "Line too long (see RFC 5321 4.5.3.1.6)");

	private TransactionCommands() {
	}

	static void mail(CommandContext session, String argument) {
		SessionState state = session.session();
		TransactionState transaction = session.transaction();
		if (state.heloName() == null) {
			session.reply(NEED_HELO);
			return;
		}
		if (transaction.hasSender()) {
			session.reply(NESTED_MAIL);
			return;
		}
		MailArgument mail;
		try {
			mail = session.server().argumentParser().parseMail(argument);
		}
		catch (SmtpException ex) {
			session.reply(ex.getReply());
			return;
		}
		if (!state.isExtended() && !mail.options().parameters().isEmpty()) {
			session.reply(Reply.PARAMETERS_NOT_RECOGNIZED);
			return;
		}
		if (mail.options().body() == BodyType.BINARYMIME && !session.config().extensions().binarymime()) {
			session.reply(BINARYMIME_NOT_OFFERED);
			return;
		}
		if (session.server().rateGate().refused(session, RateLimiter.Event.MAIL)) {
			return;
		}
		session.runHook(Hook.MAIL, (handler) -> handler.mail(state, transaction, mail.address(), mail.options()),
				(reply) -> {
					if (reply == null || reply.isPositive()) {
						transaction.sender(mail.address(), mail.options());
					}
					session.reply((reply != null) ? reply : Reply.MAIL_OK);
				});
	}

	static void rcpt(CommandContext session, String argument) {
		SessionState state = session.session();
		TransactionState transaction = session.transaction();
		if (!transaction.hasSender()) {
			session.reply(NEED_MAIL);
			return;
		}
		if (transaction.recipients().size() >= session.config().limits().maxRecipients()) {
			session.reply(Reply.TOO_MANY_RECIPIENTS);
			return;
		}
		RcptArgument rcpt;
		try {
			rcpt = session.server().argumentParser().parseRcpt(argument, transaction.isSmtputf8());
		}
		catch (SmtpException ex) {
			session.reply(ex.getReply());
			return;
		}
		if (session.server().rateGate().refused(session, RateLimiter.Event.RCPT)) {
			return;
		}
		session.runHook(Hook.RCPT, (handler) -> handler.rcpt(state, transaction, rcpt.address(), rcpt.options()),
				(reply) -> {
					if (reply == null || reply.isPositive()) {
						transaction.addRecipient(new Recipient(rcpt.address(), rcpt.options()));
					}
					session.reply((reply != null) ? reply : Reply.RCPT_OK);
				});
	}

	static void data(CommandContext session, String argument) {
		TransactionState transaction = session.transaction();
		if (!argument.isEmpty()) {
			session.reply(Reply.of(501, "5.5.4", "Syntax: DATA"));
		}
		else if (transaction.isChunking()) {
			refuseData(session, ChunkingCommands.DATA_AFTER_BDAT);
		}
		else if (transaction.mailOptions().body() == BodyType.BINARYMIME) {
			refuseData(session, BINARYMIME_NEEDS_BDAT);
		}
		else if (!transaction.hasSender()) {
			refuseData(session, NEED_MAIL);
		}
		else if (transaction.recipients().isEmpty()) {
			refuseData(session, NEED_RCPT);
		}
		else {
			SessionState state = session.session();
			session.runHook(Hook.DATA_START, (handler) -> handler.dataStart(state, transaction),
					(reply) -> dataStart(session, reply));
		}
	}

	/** Answers DATA once the DATA_START hook (if any) decided. */
	private static void dataStart(CommandContext session, @Nullable Reply reply) {
		if (reply == HandlerChain.DROP) {
			// the handler wants the client to lose the connection while it sends
			long octets = session.session().takeDropAfterDataOctets();
			if (octets > 0) {
				session.startData();
				session.dropDuringData(octets);
				session.reply(Reply.START_DATA);
			}
			else {
				session.replyAndClose(Reply.START_DATA, SessionEnd.DROPPED);
			}
		}
		else if (reply != null && !reply.isPositive()) {
			refuseData(session, reply);
		}
		else {
			session.startData();
			session.reply(Reply.START_DATA);
		}
	}

	/**
	 * Refuses DATA. A client that sent its message right behind the DATA command, without
	 * waiting for {@code 354} (RFC 2920 §3.1), must not have that text run as commands:
	 * whatever it pipelined is dropped and the connection closed.
	 */
	private static void refuseData(CommandContext session, Reply reply) {
		int discarded = session.discardPipelined();
		if (discarded > 0) {
			session.write(reply);
			session.replyAndClose(
					Reply.of(421, "4.5.0",
							session.config().hostname() + " Error: message text sent before 354, closing"),
					SessionEnd.ERROR);
			return;
		}
		session.reply(reply);
	}

	static void dataEnd(CommandContext session, DataStatus status, MessageBuffer buffer) {
		TransactionState transaction = session.transaction();
		session.resetTransaction();
		// the reply counts for the command that ended the message: DATA's final dot or
		// BDAT LAST
		session.answering(buffer.transfer().name());
		long size = buffer.size();
		Reply failure = switch (status) {
			case OK -> null;
			case TOO_BIG -> Reply.MESSAGE_TOO_BIG;
			case LINE_TOO_LONG -> LINE_TOO_LONG_IN_DATA;
			case IO_ERROR -> Reply.LOCAL_ERROR;
		};
		if (session.config().protocol() == Protocol.LMTP) {
			LmtpDelivery.dataEnd(session, transaction, size, failure, buffer);
			return;
		}
		if (failure != null) {
			buffer.release();
			messageDone(session, transaction, size, failure);
			return;
		}
		MessageContent content = buffer.content();
		transaction.content(content, session.config().content().decodeData());
		if (session.server().chain().isEmpty(Hook.DATA)) {
			buffer.release();
			messageDone(session, transaction, size, Reply.OK);
			return;
		}
		SessionState state = session.session();
		Callable<@Nullable Reply> hook = () -> {
			try {
				return session.server()
					.chain()
					.call(Hook.DATA, state, (handler) -> handler.data(state, transaction, content));
			}
			finally {
				buffer.release();
			}
		};
		Consumer<@Nullable Reply> done = (reply) -> messageDone(session, transaction, size,
				(reply != null) ? reply : Reply.OK);
		// a message in a file is read off the event loop, even by a non-blocking hook
		if (session.server().chain().runsOnEventLoop(Hook.DATA) && !buffer.isSpilled()) {
			done.accept(callOnLoop(hook));
			return;
		}
		session.runDeliveryOffLoop(hook, done, buffer::release);
	}

	private static @Nullable Reply callOnLoop(Callable<@Nullable Reply> hook) {
		try {
			return hook.call();
		}
		catch (Exception ex) {
			// the chain turns what a hook throws into a reply; this is only the release
			return Reply.LOCAL_ERROR;
		}
	}

	private static void messageDone(CommandContext session, TransactionState transaction, long size, Reply reply) {
		if (reply == HandlerChain.DROP) {
			// received but never answered: neither accepted nor rejected
			session.reply(reply);
			return;
		}
		session.server().messageCompleted(reply.isPositive());
		session.server().listeners().messageCompleted(session.session(), transaction, size, reply.code());
		session.reply(reply);
	}

	static void rset(CommandContext session, String argument) {
		if (!argument.isEmpty()) {
			session.reply(Reply.of(501, "5.5.4", "Syntax: RSET"));
			return;
		}
		SessionState state = session.session();
		TransactionState transaction = session.transaction();
		session.runHook(Hook.RSET, (handler) -> handler.rset(state, transaction), (reply) -> {
			session.resetTransaction();
			session.reply((reply != null) ? reply : Reply.OK);
		});
	}

}
