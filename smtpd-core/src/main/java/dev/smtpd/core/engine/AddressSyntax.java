package dev.smtpd.core.engine;

import org.jspecify.annotations.Nullable;

/**
 * The lexical rules of RFC 5321 §4.1.2 (and RFC 6531 for non-ASCII) that addresses
 * follow: local parts, domains, address literals. Scanners return the index after what
 * they accepted, or {@code -1}; nothing here allocates.
 */
final class AddressSyntax {

	private static final int MAX_DOMAIN_LENGTH = 255;

	private static final int MAX_LABEL_LENGTH = 63;

	private AddressSyntax() {
	}

	/**
	 * Returns whether the text is a domain as RFC 5321 §4.1.2 defines it: ASCII hostname
	 * labels (letters, digits and inner hyphens, at most 63 each and 255 in all)
	 * separated by single dots, or an address literal ({@code [192.0.2.1]},
	 * {@code [IPv6:2001:db8::1]}, {@code [tag:content]}).
	 * @param s the text
	 * @return whether it is a valid domain
	 */
	static boolean isValidDomain(@Nullable String s) {
		return s != null && !s.isEmpty() && scanDomain(s, 0, s.length(), false) == s.length();
	}

	/**
	 * Scans a dot-string or quoted-string local part starting at {@code start}.
	 * @return the index after the local part, or -1 if there is none
	 */
	static int scanLocalPart(String s, int start, int end) {
		if (start >= end) {
			return -1;
		}
		int i = start;
		if (s.charAt(i) == '"') {
			i++;
			while (i < end) {
				char c = s.charAt(i);
				if (c == '"') {
					return i + 1;
				}
				if (c == '\\') {
					if (i + 1 >= end || s.charAt(i + 1) < 32 || s.charAt(i + 1) > 126) {
						return -1;
					}
					i += 2;
				}
				else if ((c >= 32 && c <= 126) || isUtf8NonAscii(c)) {
					i++;
				}
				else {
					return -1;
				}
			}
			return -1;
		}
		while (true) {
			int atom = i;
			while (i < end && isAtext(s.charAt(i))) {
				i++;
			}
			if (i == atom) {
				return -1;
			}
			if (i < end && s.charAt(i) == '.') {
				i++;
			}
			else {
				return i;
			}
		}
	}

	/**
	 * Scans a domain, hostname or address literal, starting at {@code start}.
	 * @param allowNonAscii whether U-labels (RFC 6531 §3.3) are allowed in a hostname
	 * @return the index after the domain, or -1 if there is no valid domain there
	 */
	static int scanDomain(String s, int start, int end, boolean allowNonAscii) {
		if (start >= end) {
			return -1;
		}
		if (s.charAt(start) == '[') {
			int close = s.indexOf(']', start + 1);
			if (close < 0 || close >= end || !isAddressLiteral(s, start + 1, close)) {
				return -1;
			}
			return close + 1;
		}
		int i = start;
		while (true) {
			int label = i;
			if (i >= end || !isLetDig(s.charAt(i), allowNonAscii)) {
				return -1;
			}
			i++;
			while (i < end && (isLetDig(s.charAt(i), allowNonAscii) || s.charAt(i) == '-')) {
				i++;
			}
			if (s.charAt(i - 1) == '-' || i - label > MAX_LABEL_LENGTH) {
				return -1;
			}
			if (i < end && s.charAt(i) == '.') {
				i++;
			}
			else {
				break;
			}
		}
		return (i - start <= MAX_DOMAIN_LENGTH) ? i : -1;
	}

	/**
	 * Returns whether the text between the brackets of an address literal is an IPv4
	 * address, an {@code IPv6:} address, or a general address literal
	 * ({@code tag:content}).
	 */
	static boolean isAddressLiteral(String s, int start, int end) {
		int colon = -1;
		for (int i = start; i < end; i++) {
			if (s.charAt(i) == ':') {
				colon = i;
				break;
			}
		}
		if (colon < 0) {
			return isIpv4(s, start, end);
		}
		if (colon - start == 4 && s.regionMatches(true, start, "IPv6", 0, 4)) {
			return isIpv6(s, colon + 1, end);
		}
		if (colon == start || colon + 1 == end || s.charAt(colon - 1) == '-') {
			return false;
		}
		for (int i = start; i < colon; i++) {
			char c = s.charAt(i);
			if (!isLetDig(c, false) && c != '-') {
				return false;
			}
		}
		for (int i = colon + 1; i < end; i++) {
			char c = s.charAt(i);
			if (c < 33 || c > 126 || c == '[' || c == '\\' || c == ']') {
				return false;
			}
		}
		return true;
	}

	/**
	 * Returns whether the text is a dotted quad, four decimal numbers from 0 to 255.
	 */
	static boolean isIpv4(String s, int start, int end) {
		int i = start;
		for (int part = 0; part < 4; part++) {
			if (part > 0) {
				if (i >= end || s.charAt(i) != '.') {
					return false;
				}
				i++;
			}
			int value = 0;
			int digits = 0;
			while (i < end && digits < 4 && isDigit(s.charAt(i))) {
				value = value * 10 + (s.charAt(i) - '0');
				digits++;
				i++;
			}
			if (digits == 0 || digits > 3 || value > 255) {
				return false;
			}
		}
		return i == end;
	}

	/**
	 * Returns whether the text is an IPv6 address (RFC 4291 §2.2): eight groups of one to
	 * four hex digits, a single {@code ::} standing for one or more zero groups, and
	 * optionally a dotted quad in place of the last two groups.
	 */
	static boolean isIpv6(String s, int start, int end) {
		int i = start;
		int groups = 0;
		boolean compressed = false;
		if (end - i >= 2 && s.charAt(i) == ':' && s.charAt(i + 1) == ':') {
			compressed = true;
			i += 2;
			if (i == end) {
				return true;
			}
		}
		while (true) {
			int group = i;
			while (i < end && i - group < 5 && isHex(s.charAt(i))) {
				i++;
			}
			if (i < end && s.charAt(i) == '.') {
				if (!isIpv4(s, group, end)) {
					return false;
				}
				groups += 2;
				break;
			}
			if (i == group || i - group > 4) {
				return false;
			}
			groups++;
			if (groups > 8) {
				return false;
			}
			if (i == end) {
				break;
			}
			if (s.charAt(i) != ':' || i + 1 == end) {
				return false;
			}
			i++;
			if (s.charAt(i) == ':') {
				if (compressed) {
					return false;
				}
				compressed = true;
				i++;
				if (i == end) {
					break;
				}
			}
		}
		return compressed ? groups <= 7 : groups == 8;
	}

	static int utf8Length(String s, int start, int end) {
		int length = 0;
		for (int i = start; i < end; i++) {
			char c = s.charAt(i);
			if (c < 0x80) {
				length++;
			}
			else if (c < 0x800 || Character.isSurrogate(c)) {
				length += 2;
			}
			else {
				length += 3;
			}
		}
		return length;
	}

	static boolean isAtext(char c) {
		if (c >= 0x80) {
			return isUtf8NonAscii(c);
		}
		if (isAlphaDigit(c)) {
			return true;
		}
		return switch (c) {
			case '!', '#', '$', '%', '&', '\'', '*', '+', '-', '/', '=', '?', '^', '_', '`', '{', '|', '}', '~' -> true;
			default -> false;
		};
	}

	static boolean isLetDig(char c, boolean allowNonAscii) {
		return isAlphaDigit(c) || (allowNonAscii && isUtf8NonAscii(c));
	}

	static boolean isUtf8NonAscii(char c) {
		return c >= 0x80 && !Character.isISOControl(c) && !Character.isSpaceChar(c);
	}

	static boolean isAlphaDigit(char c) {
		return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || isDigit(c);
	}

	static boolean isDigit(char c) {
		return c >= '0' && c <= '9';
	}

	static boolean isHex(char c) {
		return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
	}

}
