package dev.smtpd.core.handler;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * The bytes of a received message, after dot-unstuffing, with CRLF line endings as sent.
 * Small messages live in memory, large ones in a temporary file that is deleted when the
 * transaction ends; read the content in the DATA hook, not later. The content is the same
 * whichever way it came; {@link #transfer()} and {@link #bodyType()} say how it came, for
 * a handler that passes it on (a relay must not send {@code BINARYMIME} content with
 * DATA).
 */
public interface MessageContent {

	/**
	 * Returns how the message arrived. The server sets it; an implementation of its own
	 * (in a test) gets {@link Transfer#DATA}.
	 * @return DATA or BDAT
	 */
	default Transfer transfer() {
		return Transfer.DATA;
	}

	/**
	 * Returns the body type the client declared on MAIL ({@code BODY=}): with
	 * {@link BodyType#BINARYMIME} the content may hold any octets, bare CR and LF and
	 * lines of any length included, and it came with BDAT. The server sets it; an
	 * implementation of its own gets {@link BodyType#SEVEN_BIT}.
	 * @return the body type
	 */
	default BodyType bodyType() {
		return BodyType.SEVEN_BIT;
	}

	/**
	 * Returns the size in bytes.
	 * @return the size
	 */
	long size();

	/**
	 * Opens a new stream over the content; each call starts at the first byte.
	 * @return the stream
	 * @throws IOException if a spilled file cannot be read
	 */
	InputStream openStream() throws IOException;

	/**
	 * Returns the content as a new array.
	 * @return the bytes
	 * @throws IOException if a spilled file cannot be read
	 * @throws IllegalStateException if the content is larger than an array can be
	 */
	byte[] toByteArray() throws IOException;

	/**
	 * Writes the content to a stream.
	 * @param out the stream
	 * @throws IOException if reading or writing fails
	 */
	default void writeTo(OutputStream out) throws IOException {
		try (InputStream in = openStream()) {
			in.transferTo(out);
		}
	}

	/**
	 * Returns the content as a string.
	 * @param charset the charset to decode with
	 * @return the text
	 * @throws IOException if a spilled file cannot be read
	 */
	default String asString(Charset charset) throws IOException {
		return new String(toByteArray(), charset);
	}

	/**
	 * Returns the content as text: UTF-8 when it is valid UTF-8, else ISO-8859-1 (every
	 * byte a character), so no byte is lost or replaced.
	 * @return the text
	 * @throws IOException if a spilled file cannot be read
	 */
	default String asText() throws IOException {
		byte[] bytes = toByteArray();
		try {
			return StandardCharsets.UTF_8.newDecoder()
				.onMalformedInput(CodingErrorAction.REPORT)
				.onUnmappableCharacter(CodingErrorAction.REPORT)
				.decode(ByteBuffer.wrap(bytes))
				.toString();
		}
		catch (CharacterCodingException ex) {
			return new String(bytes, StandardCharsets.ISO_8859_1);
		}
	}

	/** How a message came to the server. */
	enum Transfer {

		/**
		 * The DATA command: text ended by a line with a single dot, dot-stuffing removed
		 * (RFC 5321 §4.5.2).
		 */
		DATA,

		/**
		 * One or more BDAT commands (RFC 3030 CHUNKING): chunks of a declared size, taken
		 * as they are.
		 */
		BDAT

	}

}
