package dev.smtpd.core.engine;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.NoSuchFileException;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import dev.smtpd.core.InvalidSettingException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The directory a running server owns for its spilled messages: {@code smtpd-spill-*}
 * inside the temporary directory ({@code temp-directory}, else {@code java.io.tmpdir}),
 * with a {@code .lock} file the server holds locked while it runs. Several servers, in
 * one JVM or in several processes, each have their own.
 * <p>
 * At startup, the directories of servers that are gone (their lock is free: the process
 * died, say by SIGKILL) are emptied of their {@code smtpd-*.msg} files and removed; a
 * directory whose lock is held is someone's live one and is left alone. Nothing else is
 * ever deleted: another file keeps its directory. At stop, the server removes its own.
 * <p>
 * The lock is taken on {@code .lock.new} and then renamed to {@code .lock}, so that a
 * server starting at the same time never finds a fresh directory's lock free and takes it
 * for stale. (A process that dies between the two steps leaves an empty directory with a
 * {@code .lock.new}, which is left alone: nothing was spilled there yet.)
 * <p>
 * The directories of the servers running in this JVM are known without their lock: on
 * Linux a file lock belongs to the process, and closing any channel to the file releases
 * it, so opening a live {@code .lock} of this JVM merely to test it would free it for
 * every other process.
 */
final class SpillDirectory implements AutoCloseable {

	private static final Logger logger = LoggerFactory.getLogger(SpillDirectory.class);

	static final String PREFIX = "smtpd-spill-";

	static final String LOCK = ".lock";

	private static final String KEY = "temp-directory";

	/** The directories of the servers running in this JVM. */
	private static final Set<Path> LIVE = ConcurrentHashMap.newKeySet();

	private final Path path;

	/** The directory as {@link #LIVE} knows it. */
	private final Path live;

	private final FileChannel lockChannel;

	private final FileLock lock;

	private SpillDirectory(Path path, Path live, FileChannel lockChannel, FileLock lock) {
		this.path = path;
		this.live = live;
		this.lockChannel = lockChannel;
		this.lock = lock;
	}

	/**
	 * Removes what dead servers left in the temporary directory, then makes this server's
	 * own directory.
	 * @param configured the configured temporary directory, {@code null} for
	 * {@code java.io.tmpdir}
	 * @return the server's directory
	 * @throws InvalidSettingException if the directory cannot be made (key
	 * {@code temp-directory})
	 */
	static SpillDirectory create(@Nullable Path configured) {
		Path base = (configured != null) ? configured : Path.of(System.getProperty("java.io.tmpdir"));
		try {
			Files.createDirectories(base);
			removeStale(base);
			Path path = Files.createTempDirectory(base, PREFIX);
			// known as live before its .lock exists, so no server of this JVM ever opens
			// it
			Path live = identity(path);
			LIVE.add(live);
			// locked under another name first: a server starting at the same time takes
			// a directory whose .lock is free for stale, and would remove it
			Path pending = path.resolve(LOCK + ".new");
			FileChannel channel = FileChannel.open(pending, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
			try {
				FileLock lock = channel.tryLock();
				if (lock == null) {
					throw new IOException("Cannot lock " + pending);
				}
				Files.move(pending, path.resolve(LOCK), StandardCopyOption.ATOMIC_MOVE);
				return new SpillDirectory(path, live, channel, lock);
			}
			catch (IOException | RuntimeException ex) {
				channel.close();
				LIVE.remove(live);
				throw ex;
			}
		}
		catch (IOException | RuntimeException ex) {
			throw new InvalidSettingException(KEY, base, "Cannot hold spilled messages there: " + ex);
		}
	}

	/**
	 * Returns where spilled messages go.
	 * @return the directory
	 */
	Path path() {
		return this.path;
	}

	private static void removeStale(Path base) {
		try (DirectoryStream<Path> directories = Files.newDirectoryStream(base, PREFIX + "*")) {
			for (Path directory : directories) {
				if (Files.isDirectory(directory) && Files.isRegularFile(directory.resolve(LOCK))
						&& !LIVE.contains(identity(directory))) {
					removeIfStale(directory);
				}
			}
		}
		catch (IOException ex) {
			logger.warn("Could not look for stale spilled messages in {}: {}", base, ex.toString());
		}
	}

	private static void removeIfStale(Path directory) {
		try (FileChannel channel = FileChannel.open(directory.resolve(LOCK), StandardOpenOption.WRITE)) {
			FileLock lock = channel.tryLock();
			if (lock == null) {
				return; // another process's live directory
			}
			try {
				int removed = removeMessages(directory);
				logger.info("Removed {} spilled message file(s) left by a server that is gone, in {}", removed,
						directory);
				removeLockAndDirectory(directory);
			}
			finally {
				lock.release();
			}
		}
		catch (OverlappingFileLockException ex) {
			// another server of this JVM tests the same stale directory now, or a live
			// one
			// of this JVM was reached by a path LIVE does not know
			logger.debug("Leaving {}: its lock is held in this JVM", directory);
		}
		catch (IOException ex) {
			logger.debug("Leaving {}: {}", directory, ex.toString());
		}
	}

	private static int removeMessages(Path directory) throws IOException {
		int removed = 0;
		try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, "smtpd-*.msg")) {
			for (Path file : files) {
				if (Files.isRegularFile(file) && Files.deleteIfExists(file)) {
					removed++;
				}
			}
		}
		return removed;
	}

	/** Removes the lock and the directory, unless something else is in it. */
	private static void removeLockAndDirectory(Path directory) throws IOException {
		try (DirectoryStream<Path> entries = Files.newDirectoryStream(directory)) {
			for (Path entry : entries) {
				if (!entry.getFileName().toString().equals(LOCK)) {
					logger.debug("Leaving {}: it holds {}", directory, entry.getFileName());
					return;
				}
			}
		}
		Files.deleteIfExists(directory.resolve(LOCK));
		Files.deleteIfExists(directory);
	}

	/**
	 * Returns one path per directory, however it was reached.
	 * @param directory an existing directory
	 * @return its real path, or its absolute normal path if that cannot be read
	 */
	private static Path identity(Path directory) {
		try {
			return directory.toRealPath();
		}
		catch (IOException ex) {
			return directory.toAbsolutePath().normalize();
		}
	}

	/** Removes the server's directory: its spilled messages, the lock, the directory. */
	@Override
	public void close() {
		try {
			removeMessages(this.path);
			this.lock.release();
			this.lockChannel.close();
			removeLockAndDirectory(this.path);
		}
		catch (NoSuchFileException ex) {
			// once the lock is free, a server starting now may remove the directory first
			logger.debug("{} was removed already", this.path);
		}
		catch (IOException ex) {
			logger.warn("Could not remove {}: {}", this.path, ex.toString());
		}
		finally {
			LIVE.remove(this.live);
		}
	}

}
