package dev.smtpd.core;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import dev.smtpd.core.test.ExternalTools;
import dev.smtpd.core.test.TestServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The listen backlog ({@code backlog}): the kernel holds a burst of connections the event
 * loop has not accepted yet, and every one of them is greeted.
 */
class BacklogTests {

	private TestServer server;

	@AfterEach
	void stop() {
		if (this.server != null) {
			this.server.close();
		}
	}

	@Test
	void theListenSocketHasTheConfiguredBacklog() throws Exception {
		ExternalTools.require("ss");
		this.server = TestServer.start((builder) -> builder.backlog(3000));
		// for a listening socket, ss shows the backlog as Send-Q (capped by
		// net.core.somaxconn, 4096 by default since Linux 5.4)
		Process ss = new ProcessBuilder("ss", "-ltnH", "sport = :" + this.server.port()).redirectErrorStream(true)
			.start();
		String output = new String(ss.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
		assertThat(ss.waitFor()).isZero();
		String[] columns = output.split("\\s+");
		assertThat(Integer.parseInt(columns[2])).as(output).isEqualTo(3000);
	}

	@Test
	@Timeout(60)
	void aBurstOfTwoThousandConnectsIsAcceptedAndGreeted() throws Exception {
		this.server = TestServer.start((builder) -> builder.ioThreads(1));
		List<Socket> sockets = new ArrayList<>(2000);
		try {
			// connect as fast as the kernel completes handshakes, before reading anything
			for (int i = 0; i < 2000; i++) {
				Socket socket = new Socket(InetAddress.getLoopbackAddress(), this.server.port());
				socket.setSoTimeout(30_000);
				sockets.add(socket);
			}
			int greeted = 0;
			for (Socket socket : sockets) {
				BufferedReader in = new BufferedReader(
						new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
				String greeting = in.readLine();
				if (greeting != null && greeting.startsWith("220 ")) {
					greeted++;
				}
			}
			assertThat(greeted).isEqualTo(2000);
		}
		finally {
			for (Socket socket : sockets) {
				socket.close();
			}
		}
	}

}
