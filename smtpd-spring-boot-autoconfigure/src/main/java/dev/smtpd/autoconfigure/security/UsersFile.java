package dev.smtpd.autoconfigure.security;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A file of users, one {@code login:{id}encoded-password} per line; blank lines and lines
 * starting with {@code #} are ignored. Logins may be full addresses, so one file serves
 * many domains. A malformed line is reported with its number and skipped; the rest of the
 * file still works.
 * <p>
 * {@link #users()} re-reads the file when its modification time or size changed, so edits
 * take effect without a restart. Changes made through this class replace the file
 * atomically and keep comments.
 */
public class UsersFile {

	private static final Logger logger = LoggerFactory.getLogger(UsersFile.class);

	private static final Map<Path, Object> CHANGE_LOCKS = new ConcurrentHashMap<>();

	private final Path path;

	private volatile Loaded loaded = new Loaded(null, Map.of(), List.of());

	/**
	 * Creates a users file; it need not exist yet.
	 * @param path the file
	 */
	public UsersFile(Path path) {
		this.path = path;
	}

	/**
	 * Returns the file.
	 * @return the path
	 */
	public Path path() {
		return this.path;
	}

	/**
	 * Returns the users, re-reading the file if it changed since the last call.
	 * @return login to encoded password, in file order
	 */
	public Map<String, String> users() {
		Stamp stamp = stamp();
		Loaded loaded = this.loaded;
		if (!Objects.equals(stamp, loaded.stamp())) {
			synchronized (this) {
				loaded = this.loaded;
				if (!Objects.equals(stamp, loaded.stamp())) {
					loaded = load(stamp);
					this.loaded = loaded;
				}
			}
		}
		return loaded.users();
	}

	/**
	 * Returns the problems found at the last read, one per malformed line.
	 * @return the problems, such as {@code "line 3: missing ':'"}
	 */
	public List<String> problems() {
		users();
		return this.loaded.problems();
	}

	private @Nullable Stamp stamp() {
		try {
			BasicFileAttributes attributes = Files.readAttributes(this.path, BasicFileAttributes.class);
			return new Stamp(attributes.lastModifiedTime().toMillis(), attributes.size(), attributes.fileKey());
		}
		catch (IOException ex) {
			return null;
		}
	}

	private Loaded load(@Nullable Stamp stamp) {
		if (stamp == null) {
			if (!this.loaded.users().isEmpty()) {
				logger.warn("Users file {} is gone: no users", this.path);
			}
			return new Loaded(null, Map.of(), List.of());
		}
		List<String> lines;
		try {
			lines = Files.readAllLines(this.path, StandardCharsets.UTF_8);
		}
		catch (IOException ex) {
			logger.warn("Users file {} could not be read, keeping the previous users: {}", this.path, ex.toString());
			return new Loaded(stamp, this.loaded.users(), List.of("file could not be read: " + ex.getMessage()));
		}
		Map<String, String> users = new LinkedHashMap<>();
		List<String> problems = new ArrayList<>();
		for (int i = 0; i < lines.size(); i++) {
			String line = lines.get(i).strip();
			if (line.isEmpty() || line.startsWith("#")) {
				continue;
			}
			String problem = problem(line, users);
			if (problem != null) {
				problems.add("line " + (i + 1) + ": " + problem);
				logger.warn("Users file {} line {}: {}; line skipped", this.path, i + 1, problem);
				continue;
			}
			int colon = line.indexOf(':');
			users.put(line.substring(0, colon), line.substring(colon + 1));
		}
		logger.info("Users file {} read: {} user{}", this.path, users.size(), (users.size() == 1) ? "" : "s");
		return new Loaded(stamp, Collections.unmodifiableMap(users), List.copyOf(problems));
	}

	/**
	 * Checks that a password is stored encoded, with the {@code {id}} prefix Spring
	 * Security's delegating encoder needs.
	 * @param encoded the stored password
	 * @return what is wrong with it, or {@code null}
	 */
	static @Nullable String encodingProblem(String encoded) {
		if (!encoded.startsWith("{") || encoded.indexOf('}') < 2) {
			return "password must be encoded with an {id} prefix, such as {bcrypt}";
		}
		return null;
	}

	private static @Nullable String problem(String line, Map<String, String> users) {
		int colon = line.indexOf(':');
		if (colon < 0) {
			return "missing ':' between login and password";
		}
		String login = line.substring(0, colon);
		String encoded = line.substring(colon + 1);
		String loginProblem = checkLogin(login);
		if (loginProblem != null) {
			return loginProblem;
		}
		String encodingProblem = encodingProblem(encoded);
		if (encodingProblem != null) {
			return encodingProblem;
		}
		if (users.containsKey(login)) {
			return "login '" + login + "' appears twice";
		}
		return null;
	}

	/**
	 * Checks a login for use in the file.
	 * @param login the login
	 * @return a problem, or {@code null} if it is fine
	 */
	public static @Nullable String checkLogin(String login) {
		if (login.isEmpty()) {
			return "empty login";
		}
		if (login.codePoints()
			.anyMatch((c) -> c <= ' ' || c == ':' || c == 0x7f || Character.isWhitespace(c) || Character.isSpaceChar(c)
					|| Character.isISOControl(c))) {
			return "login must not contain spaces, control characters or ':'";
		}
		if (login.startsWith("#")) {
			// the line would be a comment
			return "login must not start with '#'";
		}
		return null;
	}

	/**
	 * Adds a user or changes their password, rewriting the file atomically.
	 * @param login the login
	 * @param encodedPassword the encoded password, with its {@code {id}} prefix
	 * @return whether the user existed before
	 * @throws IOException if the file cannot be written
	 */
	public boolean put(String login, String encodedPassword) throws IOException {
		String problem = checkLogin(login);
		if (problem != null) {
			throw new IllegalArgumentException(problem);
		}
		return change((lines) -> put(login, encodedPassword, lines));
	}

	/**
	 * Adds a user unless the login is there already, rewriting the file atomically.
	 * @param login the login
	 * @param encodedPassword the encoded password, with its {@code {id}} prefix
	 * @return whether the user was added ({@code false}: the login existed, nothing
	 * changed)
	 * @throws IOException if the file cannot be written
	 */
	public boolean add(String login, String encodedPassword) throws IOException {
		String problem = checkLogin(login);
		if (problem != null) {
			throw new IllegalArgumentException(problem);
		}
		return change((lines) -> {
			if (lines.stream().anyMatch((line) -> isLineOf(line, login))) {
				return false;
			}
			put(login, encodedPassword, lines);
			return true;
		});
	}

	private boolean put(String login, String encodedPassword, List<String> lines) throws IOException {
		boolean existed = false;
		for (int i = 0; i < lines.size(); i++) {
			if (isLineOf(lines.get(i), login)) {
				lines.set(i, login + ":" + encodedPassword);
				existed = true;
			}
		}
		if (!existed) {
			lines.add(login + ":" + encodedPassword);
		}
		write(lines);
		return existed;
	}

	/**
	 * Removes a user, rewriting the file atomically.
	 * @param login the login
	 * @return whether the user existed
	 * @throws IOException if the file cannot be written
	 */
	public boolean remove(String login) throws IOException {
		return change((lines) -> {
			boolean removed = lines.removeIf((line) -> isLineOf(line, login));
			if (removed) {
				write(lines);
			}
			return removed;
		});
	}

	/** A change of the lines, which writes them if it changes them. */
	@FunctionalInterface
	private interface Change {

		boolean apply(List<String> lines) throws IOException;

	}

	/**
	 * Reads the lines and changes them under both locks: the one of this JVM for the file
	 * (a JVM may not hold two file locks on one file, so it is keyed by the file a change
	 * writes, a symbolic link's target) and the file lock for other processes.
	 */
	private boolean change(Change change) throws IOException {
		Object jvmLock = CHANGE_LOCKS.computeIfAbsent(target().toAbsolutePath().normalize(), (key) -> new Object());
		synchronized (jvmLock) {
			try (FileChannel lock = lockForChange()) {
				return change.apply(existingLines());
			}
		}
	}

	/**
	 * Locks {@code <file>.lock} beside the file, so that two commands that change the
	 * file at once (in two processes) each see the other's change; the server only reads
	 * and takes no lock. The lock file gets the file's group and permissions, so whoever
	 * may change the file may take the lock; one that cannot be written (made by another
	 * user before) leaves the change unlocked, as it was before there was a lock.
	 * @return the locked channel, or {@code null} without a lock
	 */
	private @Nullable FileChannel lockForChange() throws IOException {
		Path target = target();
		Path directory = target.toAbsolutePath().getParent();
		Files.createDirectories(directory);
		Path lockFile = directory.resolve(target.getFileName() + ".lock");
		boolean created = !Files.exists(lockFile);
		FileChannel channel;
		try {
			channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
		}
		catch (AccessDeniedException ex) {
			logger.debug("Users file {}: changing it without {}, which cannot be written", this.path, lockFile);
			return null;
		}
		try {
			if (created) {
				copyOwnershipOf(target, lockFile);
			}
			channel.lock(); // released when the channel closes
			return channel;
		}
		catch (IOException | RuntimeException ex) {
			channel.close();
			throw ex;
		}
	}

	/**
	 * Gives {@code file} the group and permissions of {@code model}, if it exists; where
	 * the group cannot be given (a user not in it), {@code file} stays readable by its
	 * owner only, so that no other group is let in.
	 */
	private void copyOwnershipOf(Path model, Path file) throws IOException {
		try {
			Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
			if (!Files.exists(model)) {
				return;
			}
			PosixFileAttributes existing = Files.readAttributes(model, PosixFileAttributes.class);
			try {
				Files.getFileAttributeView(file, PosixFileAttributeView.class).setGroup(existing.group());
			}
			catch (IOException ex) {
				logger.warn("Users file {}: written readable by its owner only, since its group {} cannot be kept: {}",
						this.path, existing.group().getName(), ex.toString());
				return;
			}
			Files.setPosixFilePermissions(file, existing.permissions());
		}
		catch (UnsupportedOperationException ex) {
			// not a POSIX file system
		}
	}

	/**
	 * The file a change rewrites: the one a symbolic link points to, if it is one, also
	 * one that does not exist yet.
	 */
	private Path target() throws IOException {
		if (!Files.isSymbolicLink(this.path)) {
			return this.path;
		}
		if (Files.exists(this.path)) {
			return this.path.toRealPath();
		}
		Path parent = this.path.toAbsolutePath().getParent();
		return parent.resolve(Files.readSymbolicLink(this.path)).normalize();
	}

	private static boolean isLineOf(String line, String login) {
		String stripped = line.strip();
		return stripped.startsWith(login + ":") && !stripped.startsWith("#");
	}

	private List<String> existingLines() throws IOException {
		try {
			return new ArrayList<>(Files.readAllLines(this.path, StandardCharsets.UTF_8));
		}
		catch (NoSuchFileException ex) {
			return new ArrayList<>(List.of("# smtpd users: login:{id}encoded-password, one per line"));
		}
	}

	/**
	 * Replaces the file (the target of a symbolic link) by a new one with the lines,
	 * which keeps the old one's permissions and group (the server may read it as another
	 * user of that group); a new file is readable by its owner only.
	 */
	private void write(List<String> lines) throws IOException {
		Path target = target();
		Path directory = target.toAbsolutePath().getParent();
		Files.createDirectories(directory);
		Path temporary = Files.createTempFile(directory, ".users", ".tmp");
		try {
			copyOwnershipOf(target, temporary);
			Files.write(temporary, lines, StandardCharsets.UTF_8);
			try {
				Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
			}
			catch (AtomicMoveNotSupportedException ex) {
				Files.move(temporary, target, StandardCopyOption.REPLACE_EXISTING);
			}
		}
		finally {
			Files.deleteIfExists(temporary);
		}
	}

	private record Stamp(long modified, long size, @Nullable Object fileKey) {
	}

	private record Loaded(@Nullable Stamp stamp, Map<String, String> users, List<String> problems) {
	}

}
