package dev.smtpd.core.delivery;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import dev.smtpd.core.handler.Envelope;
import dev.smtpd.core.handler.MessageContent;
import dev.smtpd.core.handler.Reply;
import dev.smtpd.core.handler.Session;
import dev.smtpd.core.handler.SmtpHandler;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Appends each accepted message to an mbox file in the {@code mboxrd} format: a
 * {@code From sender date} line, LF line endings, every line that matches {@code >*From }
 * given one more {@code >}, and a blank line after the message. Writers in this JVM take
 * turns; other processes are kept out with a file lock. The file is forced to disk before
 * the DATA hook returns; a failure answers {@code 451 4.3.0} and cuts the file back to
 * where it was.
 */
public class MboxHandler implements SmtpHandler {

	private static final Logger logger = LoggerFactory.getLogger(MboxHandler.class);

	private static final Map<Path, Object> LOCKS = new ConcurrentHashMap<>();

	private static final DateTimeFormatter ASCTIME = DateTimeFormatter.ofPattern("EEE MMM ppd HH:mm:ss yyyy",
			Locale.ROOT);

	private static final Reply WRITE_FAILED = Reply.of(451, "4.3.0", "Requested action aborted: message not stored");

	private final Path file;

	private final Object lock;

	/**
	 * Appends to an mbox file, created if needed (with its directory).
	 * @param file the file
	 * @throws UncheckedIOException if the directory cannot be created
	 */
	public MboxHandler(Path file) {
		this.file = file.toAbsolutePath().normalize();
		this.lock = LOCKS.computeIfAbsent(this.file, (key) -> new Object());
		try {
			Path parent = this.file.getParent();
			if (parent != null) {
				Files.createDirectories(parent);
			}
		}
		catch (IOException ex) {
			throw new UncheckedIOException("mbox directory for " + this.file + " cannot be created", ex);
		}
	}

	@Override
	public @Nullable Reply data(Session session, Envelope envelope, MessageContent content) {
		byte[] entry;
		try {
			entry = entry(envelope, content);
		}
		catch (IOException ex) {
			logger.warn("Session {}: message could not be read: {}", session.id(), ex.toString());
			return WRITE_FAILED;
		}
		synchronized (this.lock) {
			try (FileChannel channel = FileChannel.open(this.file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
					StandardOpenOption.READ); FileLock fileLock = channel.lock()) {
				long start = channel.size();
				try {
					ByteBuffer buffer = ByteBuffer.wrap(entry);
					long position = start;
					while (buffer.hasRemaining()) {
						position += channel.write(buffer, position);
					}
					channel.force(true);
				}
				catch (IOException ex) {
					channel.truncate(start);
					throw ex;
				}
				return null;
			}
			catch (IOException ex) {
				logger.warn("Session {}: message could not be appended to {}: {}", session.id(), this.file,
						ex.toString());
				return WRITE_FAILED;
			}
		}
	}

	private static byte[] entry(Envelope envelope, MessageContent content) throws IOException {
		String sender = envelope.mailFrom();
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		out.writeBytes(("From " + ((sender == null || sender.isEmpty()) ? "MAILER-DAEMON" : sender) + " "
				+ ASCTIME.format(ZonedDateTime.now(ZoneOffset.UTC)) + "\n")
			.getBytes(StandardCharsets.UTF_8));
		try (InputStream in = content.openStream()) {
			BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.ISO_8859_1));
			String line;
			while ((line = reader.readLine()) != null) {
				if (isFromLine(line)) {
					out.write('>');
				}
				out.writeBytes(line.getBytes(StandardCharsets.ISO_8859_1));
				out.write('\n');
			}
		}
		out.write('\n');
		return out.toByteArray();
	}

	/** mboxrd: a line that is {@code From } after any number of {@code >}. */
	private static boolean isFromLine(String line) {
		int i = 0;
		while (i < line.length() && line.charAt(i) == '>') {
			i++;
		}
		return line.startsWith("From ", i);
	}

	@Override
	public String toString() {
		return "MboxHandler[" + this.file + "]";
	}

}
