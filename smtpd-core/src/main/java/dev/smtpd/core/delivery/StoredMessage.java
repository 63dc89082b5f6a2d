package dev.smtpd.core.delivery;

import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;

import org.jspecify.annotations.Nullable;

/**
 * A message the {@link MemoryHandler} kept: its envelope, what the session knew of the
 * client, and the content exactly as received after dot-unstuffing.
 *
 * @param sessionId the id of the session it came in
 * @param receivedAt when the DATA hook took it
 * @param clientAddress the client's address
 * @param heloName the name the client gave in HELO, EHLO or LHLO
 * @param login the identity AUTH established, or {@code null}
 * @param tlsProtocol the TLS protocol in use, such as {@code TLSv1.3}, or {@code null}
 * without TLS
 * @param mailFrom the reverse path without angle brackets, empty for the null sender
 * @param recipients the accepted recipients' addresses, in order
 * @param content the message bytes (a copy: changing the array changes nothing)
 */
public record StoredMessage(String sessionId, Instant receivedAt, InetSocketAddress clientAddress,
		@Nullable String heloName, @Nullable String login, @Nullable String tlsProtocol, String mailFrom,
		List<String> recipients, byte[] content) {

	public StoredMessage {
		recipients = List.copyOf(recipients);
		content = content.clone();
	}

	@Override
	public byte[] content() {
		return this.content.clone();
	}

	/**
	 * Returns the size of the content in bytes.
	 * @return the size
	 */
	public int size() {
		return this.content.length;
	}

	@Override
	public boolean equals(Object other) {
		return this == other || (other instanceof StoredMessage that && this.sessionId.equals(that.sessionId)
				&& this.receivedAt.equals(that.receivedAt) && this.mailFrom.equals(that.mailFrom)
				&& this.recipients.equals(that.recipients) && Arrays.equals(this.content, that.content));
	}

	@Override
	public int hashCode() {
		return 31 * this.sessionId.hashCode() + Arrays.hashCode(this.content);
	}

	@Override
	public String toString() {
		return "StoredMessage[from=<" + this.mailFrom + ">, to=" + this.recipients + ", size=" + this.content.length
				+ ", session=" + this.sessionId + "]";
	}

}
