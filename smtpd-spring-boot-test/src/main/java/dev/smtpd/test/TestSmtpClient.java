package dev.smtpd.test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

import dev.smtpd.core.handler.Reply;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.MimeMessage;

/**
 * A small SMTP client for testing an application that receives mail: send a whole message
 * in one call, or hold a raw conversation command by command and see each reply, as a
 * client on the wire does. Talks to {@code 127.0.0.1} only. <pre class="code">
 * &#64;LocalSmtpdPort int port;
 *
 * try (TestSmtpClient client = TestSmtpClient.connect(port)) {
 *     client.command("EHLO test.example");
 *     assertThat(client.command("MAIL FROM:&lt;a@example.com&gt;").code()).isEqualTo(250);
 * }
 * </pre>
 */
public final class TestSmtpClient implements AutoCloseable {

	private final Socket socket;

	private final InputStream in;

	private final OutputStream out;

	private final Reply greeting;

	private TestSmtpClient(Socket socket) throws IOException {
		this.socket = socket;
		this.in = socket.getInputStream();
		this.out = socket.getOutputStream();
		this.greeting = reply();
	}

	/**
	 * Connects to {@code 127.0.0.1} and reads the greeting.
	 * @param port the server's port
	 * @return the client
	 * @throws IOException if the connection fails or closes before a greeting
	 */
	public static TestSmtpClient connect(int port) throws IOException {
		Socket socket = new Socket();
		try {
			socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
			socket.setSoTimeout(30_000);
			return new TestSmtpClient(socket);
		}
		catch (IOException ex) {
			socket.close();
			throw ex;
		}
	}

	/**
	 * Sends a whole message: EHLO, MAIL, RCPT for each recipient, DATA, QUIT.
	 * @param port the server's port
	 * @param from the envelope sender
	 * @param to the envelope recipients
	 * @param content the message (headers, blank line, body); line ends are made CRLF and
	 * lines starting with a dot are stuffed
	 * @return the reply to the end of DATA, or the first negative reply before it
	 * @throws IOException if the connection fails
	 */
	public static Reply send(int port, String from, List<String> to, String content) throws IOException {
		try (TestSmtpClient client = connect(port)) {
			return client.sendMessage(from, to, content);
		}
	}

	/**
	 * Sends a Jakarta Mail message through Jakarta Mail's own SMTP client, as an
	 * application would.
	 * @param port the server's port
	 * @param message the message; its recipients are the envelope's
	 * @throws MessagingException if the server refuses it or the connection fails
	 */
	public static void send(int port, MimeMessage message) throws MessagingException {
		Properties properties = new Properties();
		properties.put("mail.smtp.host", "127.0.0.1");
		properties.put("mail.smtp.port", String.valueOf(port));
		Session session = Session.getInstance(properties);
		try (Transport transport = session.getTransport("smtp")) {
			transport.connect();
			message.saveChanges();
			transport.sendMessage(message, message.getAllRecipients());
		}
	}

	/**
	 * Returns the greeting the server sent.
	 * @return the greeting
	 */
	public Reply greeting() {
		return this.greeting;
	}

	/**
	 * Runs a transaction on this connection: EHLO, MAIL, RCPT for each recipient, DATA,
	 * QUIT.
	 * @param from the envelope sender
	 * @param to the envelope recipients
	 * @param content the message; line ends are made CRLF and dots stuffed
	 * @return the reply to the end of DATA, or the first negative reply before it
	 * @throws IOException if the connection fails
	 */
	public Reply sendMessage(String from, List<String> to, String content) throws IOException {
		Reply reply = command("EHLO client.test");
		if (reply.isPositive()) {
			reply = command("MAIL FROM:<" + from + ">");
		}
		for (String recipient : to) {
			if (reply.isPositive()) {
				reply = command("RCPT TO:<" + recipient + ">");
			}
		}
		if (reply.isPositive()) {
			reply = data(content);
		}
		command("QUIT");
		return reply;
	}

	/**
	 * Sends one command line (CRLF is added) and reads its reply.
	 * @param line the command
	 * @return the reply
	 * @throws IOException if the connection fails or closes before a reply
	 */
	public Reply command(String line) throws IOException {
		send(line + "\r\n");
		return reply();
	}

	/**
	 * Sends DATA and, after {@code 354}, the message and the final dot.
	 * @param content the message; line ends are made CRLF and dots stuffed
	 * @return the reply after the final dot, or the refusal of DATA
	 * @throws IOException if the connection fails
	 */
	public Reply data(String content) throws IOException {
		Reply reply = command("DATA");
		if (reply.code() != 354) {
			return reply;
		}
		String crlf = content.replace("\r\n", "\n").replace("\n", "\r\n");
		if (!crlf.endsWith("\r\n")) {
			crlf += "\r\n";
		}
		String stuffed = (crlf.startsWith(".") ? "." : "") + crlf.replace("\r\n.", "\r\n..");
		send(stuffed + ".\r\n");
		return reply();
	}

	/**
	 * Sends text exactly as given (no CRLF added), for conversations this class has no
	 * method for; read the answer with {@link #reply()}.
	 * @param text the bytes to send, as UTF-8
	 * @throws IOException if the connection fails
	 */
	public void send(String text) throws IOException {
		this.out.write(text.getBytes(StandardCharsets.UTF_8));
		this.out.flush();
	}

	/**
	 * Reads one reply, all its lines.
	 * @return the reply
	 * @throws IOException if the connection closes before a whole reply
	 */
	public Reply reply() throws IOException {
		List<String> lines = new ArrayList<>();
		while (true) {
			String line = readLine();
			if (line == null) {
				throw new IOException("Connection closed by the server" + (lines.isEmpty() ? "" : " after " + lines));
			}
			lines.add(line);
			if (line.length() < 4 || line.charAt(3) != '-') {
				return Reply.parse(String.join("\n", lines));
			}
		}
	}

	/**
	 * Returns whether the server closed the connection: reads (and drops) what the server
	 * still sends, replies not read yet included, until the end of the stream or the
	 * socket timeout.
	 * @return whether the connection is closed
	 */
	public boolean isClosedByServer() {
		try {
			while (this.in.read() != -1) {
				// replies not read yet
			}
			return true;
		}
		catch (java.net.SocketTimeoutException ex) {
			return false;
		}
		catch (IOException ex) {
			return true;
		}
	}

	private @org.jspecify.annotations.Nullable String readLine() throws IOException {
		ByteArrayOutputStream line = new ByteArrayOutputStream();
		int previous = -1;
		while (true) {
			int b = this.in.read();
			if (b == -1) {
				return null;
			}
			if (b == '\n' && previous == '\r') {
				byte[] bytes = line.toByteArray();
				return new String(bytes, 0, bytes.length - 1, StandardCharsets.UTF_8);
			}
			line.write(b);
			previous = b;
		}
	}

	@Override
	public void close() throws IOException {
		this.socket.close();
	}

}
