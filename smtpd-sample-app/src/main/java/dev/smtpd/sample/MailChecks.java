package dev.smtpd.sample;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

import dev.smtpd.core.handler.Envelope;
import dev.smtpd.core.handler.MessageContent;
import dev.smtpd.core.handler.NonBlocking;
import dev.smtpd.core.handler.RcptOptions;
import dev.smtpd.core.handler.Reply;
import dev.smtpd.core.handler.Session;
import dev.smtpd.core.handler.SmtpHandler;
import org.jspecify.annotations.Nullable;

/**
 * The checks a receiving application makes before it takes a message, as a handler of its
 * own: RCPT takes only recipients in the domains it receives mail for (others get
 * {@code 550 5.7.1}: it relays nothing), and DATA reads the message's header section and
 * refuses a message that passed through too many hosts ({@code 554 5.4.6}: a mail loop,
 * RFC 5321 §6.3; Postfix's {@code hopcount_limit} is the same check).
 * <p>
 * Returning {@code null} lets the next handler of the chain decide (the built-in handlers
 * {@code smtpd.handler} lists: here they store the message); a reply ends the command.
 * Hooks run on the hook executor (or on virtual threads with
 * {@code spring.threads.virtual.enabled=true}), so they may block: query a database here.
 * Checks like these, which only look at memory, can say so with {@link NonBlocking}, as
 * {@link NonBlockingMailChecks} does: the engine then calls them on the network thread,
 * without the hand-off to another thread and back.
 * <p>
 * The sample app adds it when {@code sample.domains} lists domains (and
 * {@code sample.non-blocking-checks=true} picks the non-blocking variant); the
 * benchmarks' scenario H measures what such hooks cost.
 */
public class MailChecks implements SmtpHandler {

	/** More {@code Received:} headers than this make a loop (Postfix's default). */
	static final int MAX_HOPS = 50;

	private static final byte[] RECEIVED = "received:".getBytes(StandardCharsets.US_ASCII);

	private final Set<String> domains;

	/**
	 * Creates the checks.
	 * @param domains the domains mail is received for, in any case
	 */
	public MailChecks(Set<String> domains) {
		this.domains = domains.stream().map((domain) -> domain.toLowerCase(Locale.ROOT)).collect(Collectors.toSet());
	}

	@Override
	public @Nullable Reply rcpt(Session session, Envelope envelope, String address, RcptOptions options) {
		int at = address.lastIndexOf('@');
		if (at < 0) {
			// RFC 5321 §4.5.1: <postmaster> without a domain, which the server accepts
			// alone
			return null;
		}
		String domain = address.substring(at + 1).toLowerCase(Locale.ROOT);
		return this.domains.contains(domain) ? null : Reply.of(550, "5.7.1", "Relay access denied");
	}

	@Override
	public @Nullable Reply data(Session session, Envelope envelope, MessageContent content) throws IOException {
		return (receivedHeaders(content) > MAX_HOPS) ? Reply.of(554, "5.4.6", "Too many hops (mail loop?)") : null;
	}

	/**
	 * Counts the {@code Received:} fields of the header section (up to the first empty
	 * line), where every host that relayed the message added one. It reads only the
	 * header section, through a small buffer, so a large message costs no more than a
	 * small one.
	 * @param content the message
	 * @return the number of {@code Received:} fields
	 * @throws IOException if a message in a file cannot be read
	 */
	static int receivedHeaders(MessageContent content) throws IOException {
		int count = 0;
		int column = 0; // octets of the current line, CR left out
		boolean candidate = true; // whether the line so far starts like the field name
		byte[] block = new byte[512];
		try (InputStream in = content.openStream()) {
			for (int length = in.read(block); length != -1; length = in.read(block)) {
				for (int i = 0; i < length; i++) {
					byte octet = block[i];
					if (octet == '\n') {
						if (column == 0) {
							return count; // the empty line that ends the header section
						}
						column = 0;
						candidate = true;
					}
					else if (octet != '\r') {
						if (candidate && column < RECEIVED.length) {
							candidate = Character.toLowerCase(octet) == RECEIVED[column];
							if (candidate && column == RECEIVED.length - 1) {
								count++;
							}
						}
						column++;
					}
				}
			}
		}
		return count;
	}

	/**
	 * The same checks, declared {@link NonBlocking}: they only look at a set in memory
	 * and at a message that is in memory too (the engine hands a message that went to a
	 * temporary file to the hook executor all the same, as reading a file blocks).
	 */
	@NonBlocking
	public static class NonBlockingMailChecks extends MailChecks {

		/**
		 * Creates the checks.
		 * @param domains the domains mail is received for, in any case
		 */
		public NonBlockingMailChecks(Set<String> domains) {
			super(domains);
		}

		@Override
		public @Nullable Reply rcpt(Session session, Envelope envelope, String address, RcptOptions options) {
			return super.rcpt(session, envelope, address, options);
		}

		@Override
		public @Nullable Reply data(Session session, Envelope envelope, MessageContent content) throws IOException {
			return super.data(session, envelope, content);
		}

	}

}
