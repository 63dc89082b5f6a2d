package dev.smtpd.core.engine;

import dev.smtpd.core.handler.Reply;

sealed interface Frame permits Frame.Command, Frame.BadCommand, Frame.DataEnd {

	record Command(String line) implements Frame {
	}

	record BadCommand(Reply reply) implements Frame {
	}

	record DataEnd(DataStatus status, MessageBuffer message) implements Frame {
	}

}
