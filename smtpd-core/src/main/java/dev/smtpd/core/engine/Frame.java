package dev.smtpd.core.engine;

import dev.smtpd.core.handler.Reply;

/**
 * What the {@link SmtpFrameDecoder} hands the session, one at a time.
 */
sealed interface Frame permits Frame.Command, Frame.BadCommand, Frame.DataEnd, Frame.ChunkEnd, Frame.InputEnded {

	/** A command line, without its CRLF. */
	record Command(String line) implements Frame {
	}

	/** A command line that cannot be a command, with the reply it gets. */
	record BadCommand(Reply reply) implements Frame {
	}

	/** The final dot of DATA: the message and how its reception went. */
	record DataEnd(DataStatus status, MessageBuffer message) implements Frame {
	}

	/**
	 * The last octet of a BDAT chunk.
	 *
	 * @param failed whether the octets could not be stored
	 */
	record ChunkEnd(boolean failed) implements Frame {
	}

	/**
	 * The client shut down its side of the connection (or closed it) and every frame it
	 * sent before has been passed: nothing more will come. A client may send its last
	 * commands, QUIT included, and half-close at once (Exim does after a pipelined QUIT);
	 * they are still answered.
	 */
	record InputEnded() implements Frame {
	}

}
