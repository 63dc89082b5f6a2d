package dev.smtpd.test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;

import dev.smtpd.core.delivery.StoredMessage;
import jakarta.mail.Address;
import jakarta.mail.BodyPart;
import jakarta.mail.Message.RecipientType;
import jakarta.mail.MessagingException;
import jakarta.mail.Multipart;
import jakarta.mail.Part;
import jakarta.mail.Session;
import jakarta.mail.internet.ContentType;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import org.jspecify.annotations.Nullable;

/**
 * A message the server received: its envelope (what the client said in MAIL and RCPT, who
 * it authenticated as, whether TLS was on, where it came from) and its content, parsed
 * with Jakarta Mail on first use (headers, text and HTML bodies, attachments) and
 * available as the raw bytes.
 */
public final class CaughtMessage {

	private static final Session MAIL_SESSION = Session.getInstance(new Properties());

	private final StoredMessage stored;

	private volatile @Nullable Parsed parsed;

	CaughtMessage(StoredMessage stored) {
		this.stored = stored;
	}

	/**
	 * Returns the envelope sender (MAIL FROM) without angle brackets.
	 * @return the sender, empty for the null sender
	 */
	public String sender() {
		return this.stored.mailFrom();
	}

	/**
	 * Returns the envelope recipients (RCPT TO), in order.
	 * @return the recipients
	 */
	public List<String> recipients() {
		return this.stored.recipients();
	}

	/**
	 * Returns the identity the client authenticated as with AUTH.
	 * @return the login, or {@code null} without AUTH
	 */
	public @Nullable String login() {
		return this.stored.login();
	}

	/**
	 * Returns whether the message came over TLS (STARTTLS or implicit TLS).
	 * @return whether TLS was on
	 */
	public boolean isTls() {
		return this.stored.tlsProtocol() != null;
	}

	/**
	 * Returns the TLS protocol the message came over.
	 * @return the protocol, such as {@code TLSv1.3}, or {@code null} without TLS
	 */
	public @Nullable String tlsProtocol() {
		return this.stored.tlsProtocol();
	}

	/**
	 * Returns the client's address.
	 * @return the address
	 */
	public InetSocketAddress clientAddress() {
		return this.stored.clientAddress();
	}

	/**
	 * Returns the name the client gave in HELO or EHLO.
	 * @return the name, or {@code null}
	 */
	public @Nullable String heloName() {
		return this.stored.heloName();
	}

	/**
	 * Returns when the message was received.
	 * @return the instant
	 */
	public Instant receivedAt() {
		return this.stored.receivedAt();
	}

	/**
	 * Returns the content exactly as received (after dot-unstuffing).
	 * @return a copy of the bytes
	 */
	public byte[] raw() {
		return this.stored.content();
	}

	/**
	 * Returns the content as received, decoded as UTF-8.
	 * @return the text
	 */
	public String rawText() {
		return new String(this.stored.content(), StandardCharsets.UTF_8);
	}

	/**
	 * Parses the content again into a new Jakarta Mail message, for anything this class
	 * does not offer.
	 * @return the message
	 */
	public MimeMessage mimeMessage() {
		try (InputStream in = new ByteArrayInputStream(this.stored.content())) {
			return new MimeMessage(MAIL_SESSION, in);
		}
		catch (IOException | MessagingException ex) {
			throw new IllegalStateException("Message cannot be parsed", ex);
		}
	}

	/**
	 * Returns the decoded {@code Subject} header.
	 * @return the subject, or {@code null} if there is none
	 */
	public @Nullable String subject() {
		return parsed().subject;
	}

	/**
	 * Returns the addresses of the {@code From} header.
	 * @return the addresses, such as {@code alice@example.com}
	 */
	public List<String> from() {
		return parsed().from;
	}

	/**
	 * Returns the addresses of the {@code To} header.
	 * @return the addresses
	 */
	public List<String> to() {
		return parsed().to;
	}

	/**
	 * Returns the addresses of the {@code Cc} header.
	 * @return the addresses
	 */
	public List<String> cc() {
		return parsed().cc;
	}

	/**
	 * Returns the values of a header, decoded.
	 * @param name the header name
	 * @return the values, empty if the header is absent
	 */
	public List<String> header(String name) {
		try {
			String[] values = mimeMessage().getHeader(name);
			return (values != null) ? List.of(values) : List.of();
		}
		catch (MessagingException ex) {
			throw new IllegalStateException(ex);
		}
	}

	/**
	 * Returns the first {@code text/plain} body that is not an attachment.
	 * @return the text, or {@code null} if there is none
	 */
	public @Nullable String text() {
		return parsed().text;
	}

	/**
	 * Returns the first {@code text/html} body that is not an attachment.
	 * @return the HTML, or {@code null} if there is none
	 */
	public @Nullable String html() {
		return parsed().html;
	}

	/**
	 * Returns the attachments: parts with a file name or an {@code attachment}
	 * disposition, in order.
	 * @return the attachments
	 */
	public List<Attachment> attachments() {
		return List.copyOf(parsed().attachments);
	}

	/**
	 * Returns the attachment with the given file name.
	 * @param fileName the file name
	 * @return the attachment, or {@code null}
	 */
	public @Nullable Attachment attachment(String fileName) {
		return attachments().stream().filter((a) -> fileName.equals(a.fileName())).findFirst().orElse(null);
	}

	private Parsed parsed() {
		Parsed parsed = this.parsed;
		if (parsed == null) {
			parsed = new Parsed(mimeMessage());
			this.parsed = parsed;
		}
		return parsed;
	}

	@Override
	public String toString() {
		String subject;
		try {
			subject = subject();
		}
		catch (RuntimeException ex) {
			subject = "(unparsable)";
		}
		return "[from=<" + sender() + ">, to=" + recipients() + ", subject=" + subject
				+ ((login() != null) ? ", login=" + login() : "") + (isTls() ? ", tls=" + tlsProtocol() : "")
				+ ", size=" + this.stored.size() + "]";
	}

	/** What Jakarta Mail made of the content, worked out once. */
	private static final class Parsed {

		private final @Nullable String subject;

		private final List<String> from;

		private final List<String> to;

		private final List<String> cc;

		private @Nullable String text;

		private @Nullable String html;

		private final List<Attachment> attachments = new ArrayList<>();

		Parsed(MimeMessage message) {
			try {
				this.subject = message.getSubject();
				this.from = addresses(message.getFrom());
				this.to = addresses(message.getRecipients(RecipientType.TO));
				this.cc = addresses(message.getRecipients(RecipientType.CC));
				walk(message);
			}
			catch (IOException | MessagingException ex) {
				throw new IllegalStateException("Message cannot be parsed", ex);
			}
		}

		private void walk(Part part) throws IOException, MessagingException {
			String type = new ContentType(part.getContentType()).getBaseType().toLowerCase(Locale.ROOT);
			if (part.getFileName() != null || Part.ATTACHMENT.equalsIgnoreCase(part.getDisposition())) {
				try (InputStream in = part.getInputStream()) {
					this.attachments.add(new Attachment(part.getFileName(), type, in.readAllBytes()));
				}
				return;
			}
			if (part.isMimeType("multipart/*")) {
				Multipart multipart = (Multipart) part.getContent();
				for (int i = 0; i < multipart.getCount(); i++) {
					BodyPart child = multipart.getBodyPart(i);
					walk(child);
				}
			}
			else if (type.equals("text/plain") && this.text == null) {
				this.text = String.valueOf(part.getContent());
			}
			else if (type.equals("text/html") && this.html == null) {
				this.html = String.valueOf(part.getContent());
			}
			else if (part.isMimeType("message/rfc822") || !type.startsWith("text/")) {
				try (InputStream in = part.getInputStream()) {
					this.attachments.add(new Attachment(null, type, in.readAllBytes()));
				}
			}
		}

		private static List<String> addresses(Address @Nullable [] addresses) {
			if (addresses == null) {
				return List.of();
			}
			List<String> result = new ArrayList<>(addresses.length);
			for (Address address : addresses) {
				result.add((address instanceof InternetAddress internet) ? internet.getAddress() : address.toString());
			}
			return List.copyOf(result);
		}

	}

}
