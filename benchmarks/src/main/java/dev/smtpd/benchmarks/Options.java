package dev.smtpd.benchmarks;

import java.util.HashMap;
import java.util.Map;

/**
 * Command-line options of the form {@code --name=value}.
 */
final class Options {

	private final Map<String, String> values = new HashMap<>();

	Options(String[] args) {
		for (String arg : args) {
			int equals = arg.indexOf('=');
			if (!arg.startsWith("--") || equals < 0) {
				throw new IllegalArgumentException("Expected --name=value, got " + arg);
			}
			this.values.put(arg.substring(2, equals), arg.substring(equals + 1));
		}
	}

	String get(String name, String defaultValue) {
		return this.values.getOrDefault(name, defaultValue);
	}

	int getInt(String name, int defaultValue) {
		String value = this.values.get(name);
		return (value != null) ? Integer.parseInt(value) : defaultValue;
	}

}
