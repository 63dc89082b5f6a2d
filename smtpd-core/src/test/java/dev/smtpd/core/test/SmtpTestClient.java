package dev.smtpd.core.test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.jspecify.annotations.Nullable;

/**
 * A raw SMTP client over a socket for tests: sends exactly the bytes it is given and
 * reads replies line by line, so tests see what a client sees on the wire.
 */
public final class SmtpTestClient implements AutoCloseable {

	private Socket socket;

	private InputStream in;

	private OutputStream out;

	public SmtpTestClient(int port) throws IOException {
		this(plainSocket(port));
	}

	private SmtpTestClient(Socket socket) throws IOException {
		this.socket = socket;
		this.socket.setSoTimeout(10_000);
		this.in = this.socket.getInputStream();
		this.out = this.socket.getOutputStream();
	}

	private static Socket plainSocket(int port) throws IOException {
		Socket socket = new Socket();
		socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
		return socket;
	}

	/**
	 * Connects with TLS from the first byte and reads the greeting, which must be 220.
	 */
	public static SmtpTestClient connectTls(int port, javax.net.ssl.SSLContext context) throws IOException {
		javax.net.ssl.SSLSocket socket = (javax.net.ssl.SSLSocket) context.getSocketFactory()
			.createSocket(plainSocket(port), "localhost", port, true);
		socket.startHandshake();
		SmtpTestClient client = new SmtpTestClient(socket);
		client.expect(220);
		return client;
	}

	/**
	 * Runs a TLS handshake over the connection, as a client does after {@code 220} to
	 * STARTTLS.
	 */
	public javax.net.ssl.SSLSession startTls(javax.net.ssl.SSLContext context) throws IOException {
		javax.net.ssl.SSLSocket socket = (javax.net.ssl.SSLSocket) context.getSocketFactory()
			.createSocket(this.socket, "localhost", this.socket.getPort(), true);
		socket.startHandshake();
		this.socket = socket;
		this.in = socket.getInputStream();
		this.out = socket.getOutputStream();
		return socket.getSession();
	}

	/**
	 * Connects to a server listening on another address (such as {@code ::1}) and reads
	 * the greeting.
	 * @param address the server's address
	 * @return the client
	 * @throws IOException if the connection fails
	 */
	public static SmtpTestClient connect(InetSocketAddress address) throws IOException {
		Socket socket = new Socket();
		socket.connect(address, 5000);
		SmtpTestClient client = new SmtpTestClient(socket);
		client.expect(220);
		return client;
	}

	/** Connects and reads the greeting, which must be 220. */
	public static SmtpTestClient connect(int port) throws IOException {
		SmtpTestClient client = new SmtpTestClient(port);
		client.expect(220);
		return client;
	}

	public Socket socket() {
		return this.socket;
	}

	/** Sends the text as is (no CRLF added). */
	public SmtpTestClient sendRaw(String text) throws IOException {
		return sendRaw(text.getBytes(StandardCharsets.UTF_8));
	}

	public SmtpTestClient sendRaw(byte[] bytes) throws IOException {
		this.out.write(bytes);
		this.out.flush();
		return this;
	}

	/** Sends one command line with CRLF. */
	public SmtpTestClient send(String line) throws IOException {
		return sendRaw(line + "\r\n");
	}

	/** Sends a command and returns its reply. */
	public TestReply command(String line) throws IOException {
		send(line);
		return reply();
	}

	/** Sends a command and asserts the reply code. */
	public TestReply command(String line, int expectedCode) throws IOException {
		send(line);
		return expect(expectedCode);
	}

	public TestReply expect(int code) throws IOException {
		TestReply reply = reply();
		if (reply.code() != code) {
			throw new AssertionError("Expected " + code + " but got: " + reply);
		}
		return reply;
	}

	/** Reads one whole reply, single or multi-line. */
	public TestReply reply() throws IOException {
		List<String> lines = new ArrayList<>();
		while (true) {
			String line = readLine();
			if (line == null) {
				throw new IOException("Connection closed after " + lines);
			}
			lines.add(line);
			if (line.length() < 4 || line.charAt(3) == ' ') {
				return new TestReply(Integer.parseInt(line.substring(0, 3)), lines);
			}
		}
	}

	/**
	 * Returns whether the server closed the connection (reads EOF within the socket
	 * timeout).
	 */
	public boolean isClosedByServer() throws IOException {
		try {
			return this.in.read() == -1;
		}
		catch (SocketTimeoutException ex) {
			return false;
		}
		catch (IOException ex) {
			return true; // reset
		}
	}

	/** Performs EHLO, asserting 250. */
	public TestReply ehlo() throws IOException {
		return command("EHLO client.example", 250);
	}

	/**
	 * Sends a whole message (already dot-stuffed, ending with CRLF) and the final dot.
	 */
	public TestReply data(String stuffedContent) throws IOException {
		command("DATA", 354);
		sendRaw(stuffedContent + ".\r\n");
		return reply();
	}

	private @Nullable String readLine() throws IOException {
		ByteArrayOutputStream line = new ByteArrayOutputStream();
		int previous = -1;
		while (true) {
			int b = this.in.read();
			if (b == -1) {
				return (line.size() == 0) ? null : line.toString(StandardCharsets.ISO_8859_1);
			}
			if (b == '\n' && previous == '\r') {
				byte[] bytes = line.toByteArray();
				return new String(bytes, 0, bytes.length - 1, StandardCharsets.ISO_8859_1);
			}
			line.write(b);
			previous = b;
		}
	}

	@Override
	public void close() throws IOException {
		this.socket.close();
	}

	/** A reply as read from the wire. */
	public record TestReply(int code, List<String> lines) {

		/** The text of the last line after the code and separator. */
		public String text() {
			String last = this.lines.get(this.lines.size() - 1);
			return (last.length() > 4) ? last.substring(4) : "";
		}

		@Override
		public String toString() {
			return String.join("\\r\\n", this.lines);
		}

	}

}
