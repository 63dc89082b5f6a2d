package dev.smtpd.core.delivery;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * {@code From sender date} line, LF line endings (each CRLF becomes LF; a bare CR or LF
 * stays as it came), every line that matches {@code >*From } given one more {@code >},
 * and a blank line after the message. Writers in this JVM take turns; other processes are
 * kept out with a file lock. The file is forced to disk before the DATA hook returns; a
 * failure answers {@code 451 4.3.0} and cuts the file back to where it was, and so does a
 * delivery whose hook timed out while it wrote (its thread interrupted): the client was
 * answered {@code 451} already and will send the message again. The writes are not
 * interruptible, so such an interrupt never closes the file under them.
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
			// RandomAccessFile's writes, unlike a FileChannel's, are not cut short by an
			// interrupt: the file stays open to be cut back
			try (RandomAccessFile out = new RandomAccessFile(this.file.toFile(), "rw");
					FileLock fileLock = out.getChannel().lock()) {
				long start = out.length();
				try {
					out.seek(start);
					out.write(entry);
					out.getFD().sync();
					if (Thread.currentThread().isInterrupted()) {
						throw new InterruptedIOException("the delivery's hook timed out");
					}
				}
				catch (IOException ex) {
					boolean interrupted = Thread.interrupted();
					try {
						out.setLength(start);
						out.getFD().sync();
					}
					finally {
						if (interrupted) {
							Thread.currentThread().interrupt();
						}
					}
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
		byte[] message = content.toByteArray();
		int start = 0;
		while (start < message.length) {
			int end = start;
			while (end < message.length && message[end] != '\n') {
				end++;
			}
			// the line without its LF, and without the CR of a CRLF
			int length = ((end > start && end < message.length && message[end - 1] == '\r') ? end - 1 : end) - start;
			if (isFromLine(message, start, length)) {
				out.write('>');
			}
			out.write(message, start, length);
			out.write('\n');
			start = end + 1;
		}
		out.write('\n');
		return out.toByteArray();
	}

	/** mboxrd: a line that is {@code From } after any number of {@code >}. */
	private static boolean isFromLine(byte[] bytes, int start, int length) {
		int i = start;
		int end = start + length;
		while (i < end && bytes[i] == '>') {
			i++;
		}
		return end - i >= 5 && bytes[i] == 'F' && bytes[i + 1] == 'r' && bytes[i + 2] == 'o' && bytes[i + 3] == 'm'
				&& bytes[i + 4] == ' ';
	}

	@Override
	public String toString() {
		return "MboxHandler[" + this.file + "]";
	}

}
