package dev.smtpd.core.delivery;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

import dev.smtpd.core.handler.Envelope;
import dev.smtpd.core.handler.MessageContent;
import dev.smtpd.core.handler.Reply;
import dev.smtpd.core.handler.Session;
import dev.smtpd.core.handler.SmtpHandler;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers each accepted message once (not once per recipient) into a Maildir: written to
 * {@code tmp/<unique>}, forced to disk, renamed into {@code new/<unique>}, and the
 * directory forced too, all before the DATA hook returns, so a {@code 250} means the
 * message is on disk. Concurrent deliveries share the directory sync (group commit): each
 * waits for one that started after its own rename, and a lone delivery starts its own at
 * once. The bytes are exactly those received after dot-unstuffing, unless a
 * {@code Received:} header is asked for. {@code cur/} is created for mail readers. A
 * failure to write answers {@code 451 4.3.0} and leaves no file behind.
 * <p>
 * Unique names follow the Maildir convention:
 * {@code <seconds>.M<micros>P<pid>Q<counter>.<host>}.
 * <p>
 * At startup, files in {@code tmp/} older than 36 hours that bear this handler's names
 * (the same host, any process) are removed, as the Maildir convention asks of a
 * deliverer: they are what a crash left between write and rename. Other files in
 * {@code tmp/}, another program's, are never touched.
 */
public class MaildirHandler implements SmtpHandler {

	private static final Logger logger = LoggerFactory.getLogger(MaildirHandler.class);

	private static final Reply WRITE_FAILED = Reply.of(451, "4.3.0", "Requested action aborted: message not stored");

	private final Path root;

	private final Path tmp;

	private final Path newDirectory;

	private final boolean addReceivedHeader;

	private final String hostname;

	private final String uniqueHost;

	private final long pid = ProcessHandle.current().pid();

	/**
	 * The deliveries of this process (the Maildir's {@code Q}): one counter for every
	 * handler, since two handlers on one Maildir (an SMTP and an LMTP server) would
	 * otherwise make the same name in the same microsecond.
	 */
	private static final AtomicLong COUNTER = new AtomicLong();

	private final GroupCommit newDirectorySync;

	/** Age after which a file left in {@code tmp/} is stale (the Maildir convention). */
	static final Duration STALE_AFTER = Duration.ofHours(36);

	/**
	 * Delivers into a Maildir, exactly as received.
	 * @param root the Maildir; it and its {@code tmp}, {@code new} and {@code cur} are
	 * created if needed
	 * @throws UncheckedIOException if the directories cannot be created
	 */
	public MaildirHandler(Path root) {
		this(root, false, machineName());
	}

	/**
	 * Delivers into a Maildir.
	 * @param root the Maildir; it and its {@code tmp}, {@code new} and {@code cur} are
	 * created if needed
	 * @param addReceivedHeader whether to put a {@code Received:} header in front of each
	 * message
	 * @param hostname the name this server gives itself in that header and in file names
	 * @throws UncheckedIOException if the directories cannot be created
	 */
	public MaildirHandler(Path root, boolean addReceivedHeader, String hostname) {
		this.root = root;
		this.tmp = root.resolve("tmp");
		this.newDirectory = root.resolve("new");
		this.addReceivedHeader = addReceivedHeader;
		this.hostname = hostname;
		this.uniqueHost = hostname.replace("/", "\\057").replace(":", "\\072");
		this.newDirectorySync = new GroupCommit(() -> forceDirectory(this.newDirectory));
		try {
			Files.createDirectories(this.tmp);
			Files.createDirectories(this.newDirectory);
			Files.createDirectories(root.resolve("cur"));
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Maildir " + root.toAbsolutePath() + " cannot be created", ex);
		}
		if (!Files.isWritable(this.tmp) || !Files.isWritable(this.newDirectory)) {
			throw new UncheckedIOException(new IOException("Maildir " + root.toAbsolutePath() + " is not writable"));
		}
		removeStaleTemporaryFiles();
	}

	/**
	 * Removes the files a crash of this handler left in {@code tmp/} over 36 hours ago.
	 */
	private void removeStaleTemporaryFiles() {
		Pattern ours = Pattern.compile("\\d+\\.M\\d+P\\d+Q\\d+\\." + Pattern.quote(this.uniqueHost));
		Instant staleBefore = Instant.now().minus(STALE_AFTER);
		int removed = 0;
		try (DirectoryStream<Path> files = Files.newDirectoryStream(this.tmp)) {
			for (Path file : files) {
				if (ours.matcher(file.getFileName().toString()).matches() && Files.isRegularFile(file)
						&& Files.getLastModifiedTime(file).toInstant().isBefore(staleBefore)
						&& Files.deleteIfExists(file)) {
					removed++;
				}
			}
		}
		catch (IOException ex) {
			logger.warn("Maildir {}: could not look for stale files in tmp/: {}", this.root, ex.toString());
		}
		if (removed > 0) {
			logger.info("Maildir {}: removed {} file(s) older than {} from tmp/", this.root, removed, STALE_AFTER);
		}
	}

	private static String machineName() {
		try {
			return java.net.InetAddress.getLocalHost().getHostName();
		}
		catch (java.net.UnknownHostException ex) {
			return "localhost";
		}
	}

	/**
	 * Returns the Maildir.
	 * @return the root directory
	 */
	public Path root() {
		return this.root;
	}

	@Override
	public @Nullable Reply data(Session session, Envelope envelope, MessageContent content) {
		String name = uniqueName();
		Path temporary = this.tmp.resolve(name);
		Path delivered = this.newDirectory.resolve(name);
		this.newDirectorySync.begin();
		boolean created = false;
		boolean renamed = false;
		try {
			try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.CREATE_NEW,
					StandardOpenOption.WRITE)) {
				created = true;
				if (this.addReceivedHeader) {
					ByteBuffer header = ByteBuffer.wrap(ReceivedHeader.of(session, envelope, this.hostname));
					while (header.hasRemaining()) {
						channel.write(header);
					}
				}
				content.writeTo(Channels.newOutputStream(channel));
				channel.force(true);
			}
			try {
				Files.move(temporary, delivered, StandardCopyOption.ATOMIC_MOVE);
			}
			catch (AtomicMoveNotSupportedException ex) {
				Files.move(temporary, delivered);
			}
			renamed = true;
			this.newDirectorySync.awaitDurable();
			logger.debug("Session {}: delivered to {}", session.id(), delivered);
			return null;
		}
		catch (IOException | RuntimeException ex) {
			logger.warn("Session {}: message could not be stored in Maildir {}: {}", session.id(), this.root,
					ex.toString());
			// only what this delivery made: a name that exists already is another's
			if (created && !renamed) {
				remove(session, temporary);
			}
			if (renamed) {
				// renamed, but the directory sync failed: the client will send it again
				remove(session, delivered);
			}
			return WRITE_FAILED;
		}
		finally {
			if (!renamed) {
				this.newDirectorySync.leave();
			}
		}
	}

	private static void remove(Session session, Path file) {
		try {
			Files.deleteIfExists(file);
		}
		catch (IOException cleanup) {
			logger.warn("Session {}: {} could not be removed", session.id(), file);
		}
	}

	private String uniqueName() {
		Instant now = Instant.now();
		return now.getEpochSecond() + ".M" + (now.getNano() / 1000) + "P" + this.pid + "Q" + COUNTER.incrementAndGet()
				+ "." + this.uniqueHost;
	}

	private static void forceDirectory(Path directory) throws IOException {
		FileChannel channel;
		try {
			channel = FileChannel.open(directory, StandardOpenOption.READ);
		}
		catch (IOException ex) {
			// some platforms cannot open a directory; the rename is as durable as they
			// allow
			return;
		}
		try (channel) {
			channel.force(true);
		}
	}

	@Override
	public String toString() {
		return "MaildirHandler[" + this.root + "]";
	}

}
