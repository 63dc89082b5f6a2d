package dev.smtpd.test;

import java.util.Arrays;

import org.jspecify.annotations.Nullable;

/**
 * A part of a caught message with a file name or an {@code attachment} disposition.
 *
 * @param fileName the file name, or {@code null} if the part has none
 * @param contentType the content type without parameters, such as {@code application/pdf}
 * @param content the decoded bytes (a copy)
 */
public record Attachment(@Nullable String fileName, String contentType, byte[] content) {

	public Attachment {
		content = content.clone();
	}

	@Override
	public byte[] content() {
		return this.content.clone();
	}

	@Override
	public boolean equals(Object other) {
		return other instanceof Attachment that && java.util.Objects.equals(this.fileName, that.fileName)
				&& this.contentType.equals(that.contentType) && Arrays.equals(this.content, that.content);
	}

	@Override
	public int hashCode() {
		return java.util.Objects.hashCode(this.fileName) * 31 + Arrays.hashCode(this.content);
	}

	@Override
	public String toString() {
		return this.fileName + " (" + this.contentType + ", " + this.content.length + " bytes)";
	}

}
