package dev.smtpd.core.handler;

/**
 * An enhanced mail system status code (RFC 3463), {@code class.subject.detail}, such as
 * {@code 2.1.0}.
 *
 * @param statusClass 2 (success), 4 (persistent transient failure) or 5 (permanent
 * failure)
 * @param subject the subject, 0 to 999
 * @param detail the detail, 0 to 999
 */
public record EnhancedStatus(int statusClass, int subject, int detail) {

	public EnhancedStatus {
		if (statusClass != 2 && statusClass != 4 && statusClass != 5) {
			throw new IllegalArgumentException("Enhanced status class must be 2, 4 or 5, not " + statusClass);
		}
		if (subject < 0 || subject > 999 || detail < 0 || detail > 999) {
			throw new IllegalArgumentException("Enhanced status subject and detail must be 0 to 999");
		}
	}

	/**
	 * Parses {@code "2.1.0"}.
	 * @param text the status in dotted form
	 * @return the status
	 * @throws IllegalArgumentException if the text is not an enhanced status code
	 */
	public static EnhancedStatus parse(String text) {
		String[] parts = text.split("\\.", -1);
		if (parts.length != 3) {
			throw new IllegalArgumentException("Not an enhanced status code: '" + text + "'");
		}
		try {
			return new EnhancedStatus(Integer.parseInt(parts[0]), Integer.parseInt(parts[1]),
					Integer.parseInt(parts[2]));
		}
		catch (NumberFormatException ex) {
			throw new IllegalArgumentException("Not an enhanced status code: '" + text + "'", ex);
		}
	}

	static boolean looksLikeStatus(String token) {
		int dots = 0;
		for (int i = 0; i < token.length(); i++) {
			char c = token.charAt(i);
			if (c == '.') {
				dots++;
			}
			else if (c < '0' || c > '9') {
				return false;
			}
		}
		return dots == 2 && !token.startsWith(".") && !token.endsWith(".") && !token.contains("..");
	}

	@Override
	public String toString() {
		return this.statusClass + "." + this.subject + "." + this.detail;
	}

}
