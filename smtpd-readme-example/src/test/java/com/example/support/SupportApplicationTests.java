package com.example.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import dev.smtpd.autoconfigure.context.LocalSmtpdPort;
import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.bean.override.mockito.MockitoBean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.contains;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.verifyNoInteractions;

/**
 * The README's example, run as a user would run it. This module's main code is the
 * README's {@code application.yml}, {@code SupportApplication} and {@code TicketService},
 * verbatim ({@link ReadmeTests} checks it): change them together. A plain socket speaks
 * SMTP to the server.
 */
@SpringBootTest(properties = "smtpd.port=0")
class SupportApplicationTests {

	@LocalSmtpdPort
	int port;

	@MockitoBean
	TicketService tickets;

	@Test
	void messageToSupportOpensATicket() throws IOException {
		List<String> replies = dialogue("EHLO client.example", "AUTH PLAIN " + plain("agent", "change-me"),
				"MAIL FROM:<alice@example.org>", "RCPT TO:<help@support.example.com>", "DATA",
				"Subject: Printer on fire\r\n\r\nPlease help.\r\n.", "QUIT");
		assertThat(replies).hasSize(8);
		assertThat(replies.get(2)).startsWith("235 2.7.0");
		assertThat(replies.get(6)).startsWith("250 2.0.0");
		verify(this.tickets).open(eq("alice@example.org"), contains("Subject: Printer on fire"));
	}

	@Test
	void recipientOutsideSupportGetsTheReadmes550() throws IOException {
		List<String> replies = dialogue("EHLO client.example", "MAIL FROM:<alice@example.org>",
				"RCPT TO:<someone@example.com>", "QUIT");
		assertThat(replies.get(3)).isEqualTo("550 5.1.1 No such mailbox here");
		verifyNoInteractions(this.tickets);
	}

	@Test
	void wrongAgentPasswordIsRefused() throws IOException {
		List<String> replies = dialogue("EHLO client.example", "AUTH PLAIN " + plain("agent", "guess"), "QUIT");
		assertThat(replies.get(2)).startsWith("535 5.7.8");
	}

	/** Sends each command and returns the greeting and the last line of each reply. */
	private List<String> dialogue(String... commands) throws IOException {
		List<String> replies = new ArrayList<>();
		try (Socket socket = new Socket("127.0.0.1", this.port)) {
			socket.setSoTimeout(10_000);
			InputStream in = socket.getInputStream();
			OutputStream out = socket.getOutputStream();
			replies.add(reply(in));
			for (String command : commands) {
				out.write((command + "\r\n").getBytes(StandardCharsets.UTF_8));
				replies.add(reply(in));
			}
		}
		return replies;
	}

	private static String reply(InputStream in) throws IOException {
		while (true) {
			StringBuilder line = new StringBuilder();
			int c;
			while ((c = in.read()) != -1 && c != '\n') {
				if (c != '\r') {
					line.append((char) c);
				}
			}
			if (c == -1 || line.length() < 4 || line.charAt(3) != '-') {
				return line.toString();
			}
		}
	}

	private static String plain(String login, String password) {
		return Base64.getEncoder().encodeToString(("\0" + login + "\0" + password).getBytes(StandardCharsets.UTF_8));
	}

}
