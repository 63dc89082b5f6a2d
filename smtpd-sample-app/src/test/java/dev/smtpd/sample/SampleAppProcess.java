package dev.smtpd.sample;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The packaged sample app as a process ({@code java -jar}, as a user starts it), its
 * output collected line by line; {@link #close()} stops it.
 */
final class SampleAppProcess implements AutoCloseable {

	private static final String JAR = System.getProperty("sample.jar");

	private final Process process;

	private final StringBuffer output = new StringBuffer();

	private SampleAppProcess(Process process) {
		this.process = process;
		Thread reader = new Thread(this::collectOutput, "sample-app-output");
		reader.setDaemon(true);
		reader.start();
	}

	/**
	 * Starts the sample app in {@code directory} with the given arguments.
	 * @param directory the working directory
	 * @param arguments the command line after {@code java -jar <jar>}
	 * @return the running process
	 * @throws IOException if the process cannot be started
	 */
	static SampleAppProcess start(Path directory, List<String> arguments) throws IOException {
		List<String> command = new ArrayList<>(List.of(java(), "-jar", JAR));
		command.addAll(arguments);
		return new SampleAppProcess(
				new ProcessBuilder(command).directory(directory.toFile()).redirectErrorStream(true).start());
	}

	static String java() {
		return ProcessHandle.current().info().command().orElse("java");
	}

	/**
	 * Waits until a line of output contains {@code text}.
	 * @param text what the line contains
	 * @param timeout how long to wait at the most
	 * @return whether such a line came before the timeout (false if the process ended)
	 * @throws InterruptedException if interrupted while waiting
	 */
	boolean awaitOutput(String text, Duration timeout) throws InterruptedException {
		long deadline = System.nanoTime() + timeout.toNanos();
		synchronized (this.output) {
			while (this.output.indexOf(text) < 0) {
				long left = deadline - System.nanoTime();
				if (left <= 0 || !this.process.isAlive()) {
					return false;
				}
				TimeUnit.NANOSECONDS.timedWait(this.output, Math.min(left, TimeUnit.MILLISECONDS.toNanos(200)));
			}
			return true;
		}
	}

	boolean isAlive() {
		return this.process.isAlive();
	}

	String output() {
		return this.output.toString();
	}

	private void collectOutput() {
		try (BufferedReader in = new BufferedReader(
				new InputStreamReader(this.process.getInputStream(), StandardCharsets.UTF_8))) {
			String line;
			while ((line = in.readLine()) != null) {
				synchronized (this.output) {
					this.output.append(line).append('\n');
					this.output.notifyAll();
				}
			}
		}
		catch (IOException ex) {
			// the process ended
		}
	}

	/**
	 * Kills the process with {@code SIGKILL} (no shutdown hooks run) and waits for it to
	 * end.
	 * @throws InterruptedException if interrupted while waiting
	 */
	void kill() throws InterruptedException {
		this.process.destroyForcibly();
		this.process.waitFor(20, TimeUnit.SECONDS);
	}

	@Override
	public void close() throws InterruptedException {
		this.process.destroy();
		if (!this.process.waitFor(20, TimeUnit.SECONDS)) {
			this.process.destroyForcibly();
			this.process.waitFor(20, TimeUnit.SECONDS);
		}
	}

}
