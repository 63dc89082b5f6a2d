package dev.smtpd.core.handler;

import java.util.Objects;

/**
 * The {@code ORCPT} parameter of RCPT (RFC 3461 §4.2): the recipient as the sender first
 * addressed it, before any forwarding.
 *
 * @param addressType the address type as given, such as {@code rfc822} or {@code utf-8}
 * (RFC 6533); compare it ignoring case
 * @param address the address, decoded from xtext
 */
public record OriginalRecipient(String addressType, String address) {

	public OriginalRecipient {
		Objects.requireNonNull(addressType, "addressType");
		Objects.requireNonNull(address, "address");
		if (addressType.isEmpty()) {
			throw new IllegalArgumentException("addressType must not be empty");
		}
	}

}
