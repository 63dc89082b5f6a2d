package dev.smtpd.core;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

/**
 * A block of IP addresses in CIDR notation, such as {@code 10.0.0.0/8} or
 * {@code ::1/128}; an address without a prefix length is one host. Parsing never looks a
 * name up: only address literals are accepted.
 *
 * @param network the network address, with the bits beyond the prefix cleared
 * @param prefixLength the number of leading bits that must match
 */
public record Cidr(InetAddress network, int prefixLength) {

	public Cidr {
		int bits = network.getAddress().length * 8;
		if (prefixLength < 0 || prefixLength > bits) {
			throw new IllegalArgumentException("Prefix length must be between 0 and " + bits);
		}
	}

	/**
	 * Parses a CIDR block.
	 * @param text the block, such as {@code 192.168.0.0/16}, {@code fd00::/8} or a single
	 * address
	 * @return the block
	 * @throws IllegalArgumentException if the text is not an address literal with an
	 * optional prefix length that fits it
	 */
	public static Cidr parse(String text) {
		String trimmed = text.strip();
		int slash = trimmed.indexOf('/');
		String address = (slash < 0) ? trimmed : trimmed.substring(0, slash);
		if (address.isEmpty() || !address.chars().allMatch((c) -> Character.digit(c, 16) >= 0 || c == '.' || c == ':')
				|| (address.indexOf(':') < 0 && address.chars().filter((c) -> c == '.').count() != 3)) {
			throw new IllegalArgumentException("Not an IP address literal: '" + address + "'");
		}
		InetAddress parsed;
		try {
			parsed = InetAddress.getByName(address); // a literal: no lookup
		}
		catch (UnknownHostException ex) {
			throw new IllegalArgumentException("Not an IP address literal: '" + address + "'");
		}
		int bits = parsed.getAddress().length * 8;
		int prefixLength;
		try {
			prefixLength = (slash < 0) ? bits : Integer.parseInt(trimmed.substring(slash + 1));
		}
		catch (NumberFormatException ex) {
			throw new IllegalArgumentException("Prefix length must be a number: '" + trimmed + "'");
		}
		if (prefixLength < 0 || prefixLength > bits) {
			throw new IllegalArgumentException("Prefix length must be between 0 and " + bits + ": '" + trimmed + "'");
		}
		byte[] masked = mask(parsed.getAddress(), prefixLength);
		try {
			return new Cidr(InetAddress.getByAddress(masked), prefixLength);
		}
		catch (UnknownHostException ex) {
			throw new IllegalStateException(ex);
		}
	}

	/**
	 * Returns whether an address lies in this block. An IPv4 address never lies in an
	 * IPv6 block nor the other way round (Java gives IPv4-mapped IPv6 addresses as IPv4).
	 * @param address the address
	 * @return whether it is in the block
	 */
	public boolean contains(InetAddress address) {
		byte[] candidate = address.getAddress();
		byte[] own = this.network.getAddress();
		return candidate.length == own.length && Arrays.equals(mask(candidate, this.prefixLength), own);
	}

	private static byte[] mask(byte[] address, int prefixLength) {
		byte[] masked = address.clone();
		for (int i = 0; i < masked.length; i++) {
			int keep = Math.max(0, Math.min(8, prefixLength - i * 8));
			masked[i] &= (byte) (0xFF << (8 - keep));
		}
		return masked;
	}

	@Override
	public String toString() {
		return this.network.getHostAddress() + "/" + this.prefixLength;
	}

}
