package dev.smtpd.core.handler;

import java.util.List;

import dev.smtpd.core.handler.MailOptions;
import org.jspecify.annotations.Nullable;

/**
 * The mail transaction under way: sender and recipients with their options.
 */
public interface Envelope {

	/**
	 * Returns the reverse path without angle brackets: empty for the null sender
	 * {@code <>}, {@code null} before MAIL.
	 * @return the sender
	 */
	@Nullable String mailFrom();

	/**
	 * Returns the MAIL parameters.
	 * @return the options, {@link MailOptions#NONE} before MAIL
	 */
	MailOptions mailOptions();

	/**
	 * Returns the accepted recipients, in order.
	 * @return the recipients
	 */
	List<Recipient> recipients();

	/**
	 * Returns the accepted recipients' addresses, in order.
	 * @return the addresses
	 */
	default List<String> recipientAddresses() {
		return recipients().stream().map(Recipient::address).toList();
	}

	/**
	 * Returns whether this transaction uses SMTPUTF8.
	 * @return whether internationalized addresses and headers may be present
	 */
	default boolean isSmtputf8() {
		return mailOptions().smtputf8();
	}

	/**
	 * Returns the content decoded as UTF-8 (or Latin-1 where it is not valid UTF-8) when
	 * the server decodes data, in the DATA hook; else {@code null}.
	 * @return the decoded content
	 */
	@Nullable String decodedContent();

}
