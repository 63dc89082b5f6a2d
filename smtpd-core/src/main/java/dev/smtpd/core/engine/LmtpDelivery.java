package dev.smtpd.core.engine;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import dev.smtpd.core.handler.MessageContent;
import dev.smtpd.core.handler.Recipient;
import dev.smtpd.core.handler.Reply;
import org.jspecify.annotations.Nullable;

/**
 * The end of DATA under LMTP (RFC 2033 §4.2): one reply per accepted recipient, in RCPT
 * order. The DATA hook runs once for the message; a negative reply from it answers every
 * recipient. Otherwise the {@code deliver} hook runs per recipient, and a recipient it
 * leaves unanswered gets the DATA hook's reply ({@code 250 2.0.0 OK} by default), so a
 * handler written for SMTP works unchanged, its reply repeated. A DATA phase that failed
 * as a whole gives its failure once per recipient.
 */
final class LmtpDelivery {

	private LmtpDelivery() {
	}

	static void dataEnd(CommandContext session, TransactionState transaction, long size, @Nullable Reply failure,
			MessageBuffer buffer) {
		List<Recipient> recipients = transaction.recipients();
		if (failure != null) {
			buffer.release();
			done(session, transaction, size, Collections.nCopies(recipients.size(), failure));
			return;
		}
		HandlerChain chain = session.server().chain();
		if (chain.isEmpty(Hook.DATA) && chain.isEmpty(Hook.DELIVER)) {
			buffer.release();
			done(session, transaction, size, Collections.nCopies(recipients.size(), Reply.OK));
			return;
		}
		SessionState state = session.session();
		MessageContent content = buffer.content();
		transaction.content(content, session.config().content().decodeData());
		@Nullable Reply[] replies = new Reply[recipients.size()];
		boolean started = session.tryOffLoop(() -> {
			try {
				deliver(chain, state, transaction, content, replies);
				return null;
			}
			finally {
				buffer.release();
			}
		}, (error) -> done(session, transaction, size, filled(replies, error)), buffer::release);
		if (!started) {
			buffer.release();
			done(session, transaction, size, Collections.nCopies(recipients.size(), HookRunner.BUSY));
		}
	}

	/** On the hook executor: the DATA hook once, then the deliver hook per recipient. */
	private static void deliver(HandlerChain chain, SessionState state, TransactionState transaction,
			MessageContent content, @Nullable Reply[] replies) {
		Reply message = chain.isEmpty(Hook.DATA) ? null
				: chain.call(Hook.DATA, state, (handler) -> handler.data(state, transaction, content));
		Reply fallback = (message != null) ? message : Reply.OK;
		List<Recipient> recipients = transaction.recipients();
		for (int i = 0; i < replies.length; i++) {
			Recipient recipient = recipients.get(i);
			Reply reply = null;
			if (fallback.isPositive() && !chain.isEmpty(Hook.DELIVER)) {
				reply = chain.call(Hook.DELIVER, state,
						(handler) -> handler.deliver(state, transaction, recipient, content));
			}
			replies[i] = (reply != null) ? reply : fallback;
		}
	}

	/**
	 * The replies, with the runner's error reply for recipients a failure left
	 * unanswered.
	 */
	private static List<Reply> filled(@Nullable Reply[] replies, @Nullable Reply error) {
		List<Reply> all = new ArrayList<>(replies.length);
		for (Reply reply : replies) {
			all.add((reply != null) ? reply : (error != null) ? error : Reply.LOCAL_ERROR);
		}
		return all;
	}

	/**
	 * Counts the message once, accepted when any recipient's reply that reaches the
	 * client was positive (the code the listeners get is then that reply's), and answers
	 * each recipient. A message dropped before any reply is counted as neither, as under
	 * SMTP.
	 */
	private static void done(CommandContext session, TransactionState transaction, long size, List<Reply> replies) {
		Reply outcome = null;
		for (Reply reply : replies) {
			if (reply == HandlerChain.DROP) {
				break; // the client hears nothing from here on
			}
			if (outcome == null || (reply.isPositive() && !outcome.isPositive())) {
				outcome = reply;
			}
		}
		if (outcome != null) {
			session.server().messageCompleted(outcome.isPositive());
			session.server().listeners().messageCompleted(session.session(), transaction, size, outcome.code());
		}
		session.replyEach(replies);
	}

}
