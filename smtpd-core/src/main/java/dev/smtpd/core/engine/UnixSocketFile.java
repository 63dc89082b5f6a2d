package dev.smtpd.core.engine;

import java.io.IOException;
import java.net.ConnectException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;

import dev.smtpd.core.InvalidSettingException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The file of the server's Unix domain socket. Before the bind, a socket file that a
 * crashed server left behind is removed; anything else at the path (a regular file, a
 * directory, a socket another process still listens on) fails the startup naming
 * {@code unix-socket.path}, and is never deleted. After the bind the file gets its mode;
 * on stop it is removed (Netty's domain socket channels remove it on close as well).
 */
final class UnixSocketFile {

	private static final Logger logger = LoggerFactory.getLogger(UnixSocketFile.class);

	static final String PATH_KEY = "unix-socket.path";

	private static final String MODE_KEY = "unix-socket.mode";

	/** The file type bits of {@code st_mode}, and the type of a socket (POSIX). */
	private static final int S_IFMT = 0170000;

	private static final int S_IFSOCK = 0140000;

	private UnixSocketFile() {
	}

	/**
	 * Makes the path free for a bind: removes a stale socket file.
	 * @param path the socket file
	 * @throws InvalidSettingException if something else is at the path
	 */
	static void prepare(Path path) {
		BasicFileAttributes attributes;
		try {
			attributes = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
		}
		catch (NoSuchFileException ex) {
			return;
		}
		catch (IOException ex) {
			throw new InvalidSettingException(PATH_KEY, path, "Cannot be read: " + ex);
		}
		if (!isSocket(path, attributes)) {
			throw new InvalidSettingException(PATH_KEY, path,
					"Exists and is not a socket; remove it or choose another path");
		}
		String listener = listener(path);
		if (listener != null) {
			throw new InvalidSettingException(PATH_KEY, path, listener);
		}
		try {
			Files.deleteIfExists(path);
			logger.info("Removed the stale Unix domain socket {}", path);
		}
		catch (IOException ex) {
			throw new InvalidSettingException(PATH_KEY, path, "Stale socket cannot be removed: " + ex);
		}
	}

	/**
	 * Sets the mode of a bound socket.
	 * @param path the socket file
	 * @param mode the permissions
	 * @throws InvalidSettingException if they cannot be set
	 */
	static void setMode(Path path, Set<PosixFilePermission> mode) {
		try {
			Files.setPosixFilePermissions(path, mode);
		}
		catch (IOException | UnsupportedOperationException ex) {
			throw new InvalidSettingException(MODE_KEY, mode, "Cannot be set on " + path + ": " + ex);
		}
	}

	/**
	 * Removes the socket file, if it is still there.
	 * @param path the socket file
	 */
	static void delete(Path path) {
		try {
			Files.deleteIfExists(path);
		}
		catch (IOException ex) {
			logger.warn("Could not remove the Unix domain socket {}: {}", path, ex.toString());
		}
	}

	private static boolean isSocket(Path path, BasicFileAttributes attributes) {
		if (!attributes.isOther()) {
			return false;
		}
		try {
			int mode = (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
			return (mode & S_IFMT) == S_IFSOCK;
		}
		catch (IOException | UnsupportedOperationException | IllegalArgumentException ex) {
			// no "unix" view: a FIFO or a device is "other" too, so never delete it
			return false;
		}
	}

	/**
	 * Tries to connect, without waiting: only a refused connection (ECONNREFUSED) makes
	 * the file stale. A connection that is denied (EACCES) or would wait (EAGAIN: the
	 * listener's queue is full) is someone's live socket.
	 * @return why the file is someone else's, or {@code null} if it is stale
	 */
	private static @Nullable String listener(Path path) {
		try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
			probe.configureBlocking(false);
			probe.connect(UnixDomainSocketAddress.of(path));
			return "Another process listens on this socket";
		}
		catch (ConnectException ex) { // nobody listens: the file is stale
			return null;
		}
		catch (IOException ex) {
			return "Another process may listen on this socket (" + ex.getMessage() + "); remove it if it is stale";
		}
	}

}
