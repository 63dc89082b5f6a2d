package dev.smtpd.core.engine;

import java.util.Collections;
import java.util.List;

import dev.smtpd.core.Protocol;
import dev.smtpd.core.event.SessionEnd;
import dev.smtpd.core.handler.Reply;
import org.jspecify.annotations.Nullable;

/**
 * BDAT (RFC 3030 CHUNKING): the message in chunks of a declared size, taken as they are
 * (no dot-unstuffing, no end-of-data search). The chunk's octets are always consumed,
 * also when the BDAT is refused, so they are never read as commands; a size that cannot
 * be read cannot be framed, so it is answered and the connection closed. One reply per
 * BDAT, after its chunk; the last chunk ({@code LAST}) ends the message, which then goes
 * through the DATA hook (or LMTP's replies) exactly as one received with DATA.
 */
final class ChunkingCommands {

	private static final Reply SYNTAX = Reply.of(501, "5.5.4", "Syntax: BDAT <size> [LAST]");

	private static final Reply NOT_OFFERED = Reply.of(502, "5.5.1", "Error: BDAT not offered");

	private static final Reply NEED_MAIL = Reply.of(503, "5.5.1", "Error: need MAIL command");

	private static final Reply NEED_RCPT = Reply.of(503, "5.5.1", "Error: need RCPT command");

	static final Reply DATA_AFTER_BDAT = Reply.of(503, "5.5.1", "Error: DATA after BDAT");

	/** More digits than this cannot be a size anyone means to send. */
	private static final int MAX_SIZE_DIGITS = 18;

	private ChunkingCommands() {
	}

	static void bdat(CommandContext session, String argument) {
		bdat(session, argument, null);
	}

	/**
	 * Refuses a BDAT before it runs (a TLS or AUTH requirement), still consuming its
	 * chunk.
	 * @param session the session
	 * @param argument the BDAT's argument
	 * @param refusal the reply
	 */
	static void refuse(CommandContext session, String argument, Reply refusal) {
		bdat(session, argument, refusal);
	}

	private static void bdat(CommandContext session, String argument, @Nullable Reply policyRefusal) {
		String[] parts = argument.split(" ", -1);
		long size = parseSize(parts[0]);
		boolean last = parts.length == 2 && parts[1].equalsIgnoreCase("LAST");
		if (size < 0 || parts.length > 2 || (parts.length == 2 && !last)) {
			// no size to frame the chunk by: what follows cannot be told from commands
			session.replyAndClose(SYNTAX, SessionEnd.ERROR);
			return;
		}
		TransactionState transaction = session.transaction();
		Reply refusal = (policyRefusal != null) ? policyRefusal : refusal(session, transaction, size);
		if (refusal != null) {
			if (transaction.isChunking() && !transaction.hasChunkingFailed()) {
				// a chunk of this message is refused: the message can no longer be whole
				transaction.failChunking();
			}
			session.startChunk(size, null, (failed) -> refused(session, transaction, last, refusal));
			return;
		}
		MessageBuffer buffer = transaction.chunks(session::newChunkBuffer);
		session.startChunk(size, buffer, (failed) -> {
			transaction.chunkReceived(size);
			if (failed && !last) {
				transaction.failChunking();
				session.reply(Reply.LOCAL_ERROR);
				return;
			}
			if (!last) {
				// a reply per chunk: the status is Reply.OK's, not parsed again
				session.reply(new Reply(250, Reply.OK.status(), List.of(size + " octets received")));
				return;
			}
			MessageBuffer message = transaction.takeChunks();
			if (message == null) {
				session.reply(Reply.LOCAL_ERROR);
				return;
			}
			session.messageReceived(failed ? DataStatus.IO_ERROR : DataStatus.OK, message);
		});
	}

	/**
	 * Answers a refused BDAT once its chunk is consumed. A refused last chunk of a
	 * chunked message ends the transaction, and under LMTP it is answered once per
	 * recipient.
	 */
	private static void refused(CommandContext session, TransactionState transaction, boolean last, Reply refusal) {
		boolean endsMessage = last && transaction.isChunking() && transaction == session.transaction();
		if (!endsMessage) {
			session.reply(refusal);
			return;
		}
		session.resetTransaction();
		session.answering("BDAT");
		session.server().messageCompleted(false);
		session.server()
			.listeners()
			.messageCompleted(session.session(), transaction, transaction.chunkedSize(), refusal.code());
		int recipients = transaction.recipients().size();
		if (session.config().protocol() == Protocol.LMTP && recipients > 1) {
			session.replyEach(Collections.nCopies(recipients, refusal));
		}
		else {
			session.reply(refusal);
		}
	}

	private static @Nullable Reply refusal(CommandContext session, TransactionState transaction, long size) {
		if (!session.config().extensions().chunking()) {
			return NOT_OFFERED;
		}
		if (!transaction.hasSender()) {
			return NEED_MAIL;
		}
		if (transaction.recipients().isEmpty()) {
			return NEED_RCPT;
		}
		if (transaction.hasChunkingFailed()) {
			return Reply.MESSAGE_TOO_BIG;
		}
		long limit = session.config().limits().dataSizeLimit();
		if (limit > 0 && transaction.chunkedSize() + size > limit) {
			// counted as the chunks arrive: the rest of the transaction's chunks are
			// drained
			transaction.failChunking();
			return Reply.MESSAGE_TOO_BIG;
		}
		return null;
	}

	/** Returns the size, or -1 if it is not 1 to 18 digits. */
	private static long parseSize(String text) {
		if (text.isEmpty() || text.length() > MAX_SIZE_DIGITS) {
			return -1;
		}
		long size = 0;
		for (int i = 0; i < text.length(); i++) {
			char c = text.charAt(i);
			if (c < '0' || c > '9') {
				return -1;
			}
			size = size * 10 + (c - '0');
		}
		return size;
	}

}
