package dev.smtpd.sample;

import java.io.BufferedReader;
import java.io.Console;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import dev.smtpd.autoconfigure.security.UsersFile;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import org.springframework.boot.Banner;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.logging.LogLevel;
import org.springframework.boot.logging.LoggingSystem;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Configuration;
import org.springframework.security.crypto.argon2.Argon2PasswordEncoder;
import org.springframework.security.crypto.bcrypt.BCryptPasswordEncoder;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.security.crypto.password.Pbkdf2PasswordEncoder;

/**
 * {@code java -jar smtpd-sample-app.jar users add|passwd|remove|list}: manages the users
 * file that {@code smtpd.auth.users-file} names, without starting the server. A running
 * server sees the change at the next AUTH. Passwords are read from the terminal without
 * echo, or from standard input when it is not a terminal (for scripts) or with
 * {@code --password-stdin}; with a terminal for input but not for output the command
 * refuses, since Java 17 has no console then and the password would be echoed. They are
 * stored hashed, and never printed.
 */
@Command(name = "users", mixinStandardHelpOptions = true,
		description = "Manage the SMTP users file (smtpd.auth.users-file) without starting the server.",
		subcommands = { UsersCommand.Add.class, UsersCommand.Passwd.class, UsersCommand.Remove.class,
				UsersCommand.ListUsers.class })
public class UsersCommand implements Callable<Integer> {

	@Option(names = "--users-file",
			description = "The users file; default: smtpd.auth.users-file from the configuration.")
	@Nullable Path usersFile;

	private List<String> springArguments = List.of();

	@Spec
	CommandLine.Model.CommandSpec spec;

	/**
	 * Runs the command line.
	 * @param args the arguments after {@code users}; {@code --smtpd.*} and
	 * {@code --spring.*} ones are configuration, as for the server
	 * @return the exit code
	 */
	public static int run(String[] args) {
		List<String> own = new ArrayList<>();
		List<String> spring = new ArrayList<>();
		for (String arg : args) {
			((arg.startsWith("--smtpd.") || arg.startsWith("--spring.")) ? spring : own).add(arg);
		}
		UsersCommand command = new UsersCommand();
		command.springArguments = List.copyOf(spring);
		return new CommandLine(command).execute(own.toArray(String[]::new));
	}

	@Override
	public Integer call() {
		this.spec.commandLine().usage(this.spec.commandLine().getOut());
		return 2;
	}

	UsersFile usersFile() {
		Path path = (this.usersFile != null) ? this.usersFile : configuredUsersFile();
		// standard output is the command's: what the file holds wrong, list tells on
		// standard error
		LoggingSystem.get(UsersCommand.class.getClassLoader()).setLogLevel(UsersFile.class.getName(), LogLevel.OFF);
		return new UsersFile(path);
	}

	private Path configuredUsersFile() {
		SpringApplication application = new SpringApplication(ConfigurationOnly.class);
		application.setWebApplicationType(WebApplicationType.NONE);
		application.setBannerMode(Banner.Mode.OFF);
		application.setLogStartupInfo(false);
		application.setDefaultProperties(Map.of("smtpd.enabled", "false", "logging.level.root", "warn"));
		try (ConfigurableApplicationContext context = application.run(this.springArguments.toArray(String[]::new))) {
			String file = context.getEnvironment().getProperty("smtpd.auth.users-file");
			if (file == null || file.isBlank()) {
				throw new CommandLine.ParameterException(this.spec.commandLine(),
						"No users file: set smtpd.auth.users-file (e.g. --smtpd.auth.users-file=./users) or --users-file");
			}
			return Path.of(file);
		}
	}

	static PasswordEncoder encoder(String encoding) {
		return switch (encoding) {
			case "bcrypt" -> new BCryptPasswordEncoder();
			case "argon2" -> Argon2PasswordEncoder.defaultsForSpringSecurity_v5_8();
			case "pbkdf2" -> Pbkdf2PasswordEncoder.defaultsForSpringSecurity_v5_8();
			default -> throw new IllegalArgumentException("Unknown encoding: " + encoding);
		};
	}

	static String idOf(String encoding) {
		return switch (encoding) {
			case "argon2" -> "{argon2@SpringSecurity_v5_8}";
			case "pbkdf2" -> "{pbkdf2@SpringSecurity_v5_8}";
			default -> "{" + encoding + "}";
		};
	}

	/**
	 * What {@code add} and {@code passwd} share: the login, the password source and the
	 * encoding.
	 */
	abstract static class PasswordCommand implements Callable<Integer> {

		@CommandLine.ParentCommand
		UsersCommand parent;

		@Spec
		CommandLine.Model.CommandSpec spec;

		@Parameters(index = "0", description = "The login, usually a full address such as alice@example.com.")
		String login;

		@Option(names = "--password-stdin",
				description = "Read the password from standard input (one line), even on a terminal.")
		boolean passwordStdin;

		@Option(names = "--encoding", defaultValue = "bcrypt",
				description = "Password hash: bcrypt, argon2 or pbkdf2 (default: ${DEFAULT-VALUE}).")
		String encoding;

		String encodedPassword() throws IOException {
			PasswordEncoder encoder;
			try {
				encoder = encoder(this.encoding);
			}
			catch (IllegalArgumentException ex) {
				// before the password is typed
				throw new CommandLine.ParameterException(this.spec.commandLine(), ex.getMessage());
			}
			char[] password = readPassword();
			try {
				if (password.length == 0) {
					throw new CommandLine.ParameterException(this.spec.commandLine(), "Empty password");
				}
				return idOf(this.encoding) + encoder.encode(new String(password));
			}
			catch (IllegalArgumentException ex) {
				// bcrypt takes at most 72 bytes
				throw new CommandLine.ParameterException(this.spec.commandLine(),
						"Password not taken: " + ex.getMessage());
			}
			finally {
				Arrays.fill(password, '\0');
			}
		}

		private char[] readPassword() throws IOException {
			Console console = System.console();
			if (console == null && !this.passwordStdin && standardInputIsATerminal()) {
				// Java 17 has no console when standard output is redirected: reading the
				// terminal then would show the password as it is typed
				throw new CommandLine.ParameterException(this.spec.commandLine(),
						"The password would be shown as it is typed, since standard output is not a terminal: "
								+ "run without redirecting it, or give the password on standard input with "
								+ "--password-stdin");
			}
			if (console != null && !this.passwordStdin) {
				char[] first = console.readPassword("Password for %s: ", this.login);
				char[] second = console.readPassword("Again: ");
				if (first == null || second == null || !Arrays.equals(first, second)) {
					throw new CommandLine.ParameterException(this.spec.commandLine(), "Passwords do not match");
				}
				Arrays.fill(second, '\0');
				return first;
			}
			BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
			String line = in.readLine();
			return (line != null) ? line.toCharArray() : new char[0];
		}

		/**
		 * Whether standard input is a terminal, as far as Linux tells ({@code /proc}).
		 */
		private static boolean standardInputIsATerminal() {
			try {
				String input = Files.readSymbolicLink(Path.of("/proc/self/fd/0")).toString();
				return input.startsWith("/dev/pts/") || input.startsWith("/dev/tty") || input.equals("/dev/console");
			}
			catch (IOException | UnsupportedOperationException ex) {
				return false;
			}
		}

		void checkLogin() {
			String problem = UsersFile.checkLogin(this.login);
			if (problem != null) {
				throw new CommandLine.ParameterException(this.spec.commandLine(), problem);
			}
		}

	}

	/** {@code users add LOGIN}. */
	@Command(name = "add", mixinStandardHelpOptions = true, description = "Add a user.")
	static class Add extends PasswordCommand {

		@Override
		public Integer call() throws IOException {
			checkLogin();
			UsersFile file = this.parent.usersFile();
			if (file.users().containsKey(this.login)) {
				this.spec.commandLine().getErr().println("User " + this.login + " exists; use 'users passwd'");
				return 1;
			}
			if (!file.add(this.login, encodedPassword())) {
				// added by another command while the password was typed
				this.spec.commandLine().getErr().println("User " + this.login + " exists; use 'users passwd'");
				return 1;
			}
			this.spec.commandLine().getOut().println("Added " + this.login + " to " + file.path());
			return 0;
		}

	}

	/** {@code users passwd LOGIN}. */
	@Command(name = "passwd", mixinStandardHelpOptions = true, description = "Change a user's password.")
	static class Passwd extends PasswordCommand {

		@Override
		public Integer call() throws IOException {
			UsersFile file = this.parent.usersFile();
			if (!file.users().containsKey(this.login)) {
				this.spec.commandLine().getErr().println("No user " + this.login + "; use 'users add'");
				return 1;
			}
			file.put(this.login, encodedPassword());
			this.spec.commandLine().getOut().println("Changed the password of " + this.login);
			return 0;
		}

	}

	/** {@code users remove LOGIN}. */
	@Command(name = "remove", mixinStandardHelpOptions = true, description = "Remove a user.")
	static class Remove implements Callable<Integer> {

		@CommandLine.ParentCommand
		UsersCommand parent;

		@Spec
		CommandLine.Model.CommandSpec spec;

		@Parameters(index = "0", description = "The login.")
		String login;

		@Override
		public Integer call() throws IOException {
			UsersFile file = this.parent.usersFile();
			if (!file.remove(this.login)) {
				this.spec.commandLine().getErr().println("No user " + this.login);
				return 1;
			}
			this.spec.commandLine().getOut().println("Removed " + this.login);
			return 0;
		}

	}

	/** {@code users list}: logins only, never hashes. */
	@Command(name = "list", mixinStandardHelpOptions = true, description = "List the logins (never the passwords).")
	static class ListUsers implements Callable<Integer> {

		@CommandLine.ParentCommand
		UsersCommand parent;

		@Spec
		CommandLine.Model.CommandSpec spec;

		@Override
		public Integer call() {
			UsersFile file = this.parent.usersFile();
			PrintWriter out = this.spec.commandLine().getOut();
			file.users().keySet().forEach(out::println);
			for (String problem : file.problems()) {
				this.spec.commandLine().getErr().println(file.path() + ": " + problem);
			}
			return 0;
		}

	}

	/** An application context with the configuration and nothing else. */
	@Configuration(proxyBeanMethods = false)
	static class ConfigurationOnly {

	}

}
