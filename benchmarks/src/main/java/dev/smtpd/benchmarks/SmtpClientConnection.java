package dev.smtpd.benchmarks;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

import org.jspecify.annotations.Nullable;

/**
 * A blocking client connection for the load tools: writes are buffered until
 * {@link #flush()}, so a caller decides what goes out in one segment, and replies are
 * read one at a time, multi-line ones whole.
 */
final class SmtpClientConnection implements Closeable {

	private final Socket socket;

	private final InputStream in;

	private final OutputStream out;

	private final StringBuilder line = new StringBuilder(128);

	private String lastReply = "";

	private SmtpClientConnection(Socket socket) throws IOException {
		this.socket = socket;
		this.in = new BufferedInputStream(socket.getInputStream(), 16 * 1024);
		this.out = new BufferedOutputStream(socket.getOutputStream(), 64 * 1024);
	}

	/**
	 * Connects, optionally from a given local address.
	 * @param server the server
	 * @param local the local address (port {@code 0}), or {@code null} for any
	 * @param timeoutMillis the connect and read timeout
	 * @return the connection
	 * @throws IOException if it cannot connect
	 */
	static SmtpClientConnection open(InetSocketAddress server, @Nullable InetSocketAddress local, int timeoutMillis)
			throws IOException {
		Socket socket = new Socket();
		try {
			socket.setTcpNoDelay(true);
			socket.setSoTimeout(timeoutMillis);
			if (local != null) {
				socket.bind(local);
			}
			socket.connect(server, timeoutMillis);
			return new SmtpClientConnection(socket);
		}
		catch (IOException ex) {
			socket.close();
			throw ex;
		}
	}

	/**
	 * Returns the client's end of the connection.
	 * @return the local address and port
	 */
	InetSocketAddress localAddress() {
		return (InetSocketAddress) this.socket.getLocalSocketAddress();
	}

	void write(String text) throws IOException {
		this.out.write(text.getBytes(StandardCharsets.US_ASCII));
	}

	void write(byte[] bytes) throws IOException {
		this.out.write(bytes);
	}

	void write(byte[] bytes, int offset, int length) throws IOException {
		this.out.write(bytes, offset, length);
	}

	void flush() throws IOException {
		this.out.flush();
	}

	/**
	 * Reads one reply, all of its lines.
	 * @return the reply code
	 * @throws IOException if the connection fails or closes
	 */
	int readReply() throws IOException {
		while (true) {
			String text = readLine();
			if (text.length() < 3) {
				throw new IOException("Malformed reply: " + text);
			}
			if (text.length() == 3 || text.charAt(3) != '-') {
				this.lastReply = text;
				return Integer.parseInt(text, 0, 3, 10);
			}
		}
	}

	/**
	 * Reads one reply and checks its code class.
	 * @param expectedFirstDigit {@code 2} for 2xx, {@code 3} for 3xx
	 * @throws IOException if the reply is another one
	 */
	void expect(int expectedFirstDigit) throws IOException {
		int code = readReply();
		if (code / 100 != expectedFirstDigit) {
			throw new IOException("Unexpected reply: " + this.lastReply);
		}
	}

	private String readLine() throws IOException {
		this.line.setLength(0);
		while (true) {
			int b = this.in.read();
			if (b < 0) {
				throw new EOFException("Connection closed by the server");
			}
			if (b == '\n') {
				int length = this.line.length();
				if (length > 0 && this.line.charAt(length - 1) == '\r') {
					this.line.setLength(length - 1);
				}
				return this.line.toString();
			}
			this.line.append((char) b);
		}
	}

	@Override
	public void close() throws IOException {
		this.socket.close();
	}

}
