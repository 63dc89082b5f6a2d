package dev.smtpd.sample;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import org.jspecify.annotations.Nullable;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Runs an external program of a test (a private Postfix or Exim, their scripts) and finds
 * free loopback ports.
 */
final class ExternalCommand {

	private ExternalCommand() {
	}

	/**
	 * Runs a command to its end, at most 60 seconds. Its output goes to a file, not a
	 * pipe: a daemon it starts in the background (Postfix's master) may keep the output
	 * open.
	 * @param command the command and its arguments
	 * @param directory where the output file is written
	 * @param input the file read as standard input, or {@code null} for none
	 * @return its exit code and output
	 * @throws Exception if it cannot be started, or is interrupted
	 */
	static Result run(List<String> command, Path directory, @Nullable Path input) throws Exception {
		Path output = Files.createTempFile(directory, "command", ".out");
		File stdin = (input != null) ? input.toFile() : new File("/dev/null");
		Process process = new ProcessBuilder(command).redirectErrorStream(true)
			.redirectOutput(output.toFile())
			.redirectInput(ProcessBuilder.Redirect.from(stdin))
			.start();
		if (!process.waitFor(60, TimeUnit.SECONDS)) {
			process.destroyForcibly();
		}
		assertThat(process.isAlive()).as("%s still runs after 60 s; its output:%n%s", command, Files.readString(output))
			.isFalse();
		return new Result(process.exitValue(), Files.readString(output));
	}

	/**
	 * Returns a port free on the loopback interface now.
	 * @return the port
	 * @throws IOException if no socket can be opened
	 */
	static int freePort() throws IOException {
		// below Linux's ephemeral range (32768-60999): between this check and the
		// server's
		// bind, no outgoing connection of a busy machine can take the port
		for (int attempt = 0; attempt < 100; attempt++) {
			int port = ThreadLocalRandom.current().nextInt(20000, 32768);
			try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
				return socket.getLocalPort();
			}
			catch (IOException ex) {
				// taken: try another
			}
		}
		throw new IOException("No free port in 20000-32767");
	}

	/**
	 * How a command ended.
	 *
	 * @param exitCode its exit code
	 * @param output what it wrote, standard output and error together
	 */
	record Result(int exitCode, String output) {
	}

}
