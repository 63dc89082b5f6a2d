package dev.smtpd.core.handler;

import dev.smtpd.core.handler.RcptOptions;

/**
 * An accepted recipient.
 *
 * @param address the forward path without angle brackets
 * @param options the RCPT parameters
 */
public record Recipient(String address, RcptOptions options) {

	@Override
	public String toString() {
		return this.address;
	}

}
