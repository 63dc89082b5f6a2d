package dev.smtpd.core.delivery;

import java.io.IOException;
import java.io.PrintStream;
import java.util.Map;

import dev.smtpd.core.handler.Envelope;
import dev.smtpd.core.handler.MessageContent;
import dev.smtpd.core.handler.Recipient;
import dev.smtpd.core.handler.Reply;
import dev.smtpd.core.handler.Session;
import dev.smtpd.core.handler.SmtpHandler;
import org.jspecify.annotations.Nullable;

/**
 * Prints each envelope and message, as aiosmtpd's {@code Debugging} handler: the peer,
 * how the message came (DATA or BDAT), the MAIL and RCPT parameters, and the message text
 * between marker lines. Messages from concurrent sessions are printed whole, one after
 * the other. Accepts every message.
 */
public class DebuggingHandler implements SmtpHandler {

	private final PrintStream out;

	/**
	 * Prints to standard output.
	 */
	public DebuggingHandler() {
		this(System.out);
	}

	/**
	 * Prints to a stream.
	 * @param out the stream
	 */
	public DebuggingHandler(PrintStream out) {
		this.out = out;
	}

	@Override
	public @Nullable Reply data(Session session, Envelope envelope, MessageContent content) throws IOException {
		String text = content.asText();
		StringBuilder block = new StringBuilder(text.length() + 256);
		block.append("---------- MESSAGE FOLLOWS ----------\n");
		block.append("X-Peer: ").append(peer(session)).append('\n');
		block.append("received with: ").append(content.transfer()).append('\n');
		if (!envelope.mailOptions().parameters().isEmpty()) {
			block.append("mail options: ").append(format(envelope.mailOptions().parameters())).append('\n');
		}
		for (Recipient recipient : envelope.recipients()) {
			if (!recipient.options().parameters().isEmpty()) {
				block.append("rcpt options (")
					.append(recipient.address())
					.append("): ")
					.append(format(recipient.options().parameters()))
					.append('\n');
			}
		}
		block.append('\n');
		block.append(text.replace("\r\n", "\n"));
		if (!text.endsWith("\n")) {
			block.append('\n');
		}
		block.append("------------ END MESSAGE ------------\n");
		synchronized (this.out) {
			this.out.print(block);
			this.out.flush();
		}
		return null;
	}

	private static String format(Map<String, @Nullable String> parameters) {
		StringBuilder text = new StringBuilder();
		parameters.forEach((key, value) -> {
			if (text.length() > 0) {
				text.append(' ');
			}
			text.append(key);
			if (value != null) {
				text.append('=').append(value);
			}
		});
		return text.toString();
	}

	@Override
	public String toString() {
		return "DebuggingHandler";
	}

	/** The client's IP address, or {@code unix:} and the socket's path. */
	private static String peer(Session session) {
		return (session.unixSocketPath() != null) ? "unix:" + session.unixSocketPath()
				: session.peerAddress().getAddress().getHostAddress();
	}

}
