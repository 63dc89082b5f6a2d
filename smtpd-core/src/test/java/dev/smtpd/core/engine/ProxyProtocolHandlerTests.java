package dev.smtpd.core.engine;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

import dev.smtpd.core.SmtpServer;
import dev.smtpd.core.SmtpServerConfig;
import dev.smtpd.core.event.ConnectionRefusal;
import dev.smtpd.core.event.SmtpServerListener;
import dev.smtpd.core.test.ProxyHeaders;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The PROXY slots of the real pipeline on an {@link EmbeddedChannel}: what waits for the
 * header, what the header leaves behind, and that a refusal writes nothing.
 */
@Tag("transport-independent")
class ProxyProtocolHandlerTests {

	private final List<ConnectionRefusal> refusals = new ArrayList<>();

	private @Nullable EmbeddedChannel channel;

	private @Nullable SmtpChannelInitializer initializer;

	@AfterEach
	void close() {
		if (this.channel != null) {
			this.channel.finishAndReleaseAll();
		}
		if (this.initializer != null) {
			this.initializer.close();
		}
	}

	private EmbeddedChannel open(UnaryOperator<SmtpServerConfig.ProxyProtocol> proxy) {
		SmtpServer server = SmtpServer.builder()
			.hostname("mx.test.example")
			.ident("")
			.proxyProtocol(proxy.apply(SmtpServerConfig.ProxyProtocol.defaults().withEnabled(true)))
			.build();
		SmtpServerListener listener = new SmtpServerListener() {
			@Override
			public void connectionRefused(InetSocketAddress peer, ConnectionRefusal reason) {
				ProxyProtocolHandlerTests.this.refusals.add(reason);
			}
		};
		this.initializer = new SmtpChannelInitializer(server.config(), List.of(), List.of(), Runnable::run, null,
				List.of(), null, List.of(listener), null);
		EmbeddedChannel channel = new LoopbackChannel(this.initializer);
		this.channel = channel;
		return channel;
	}

	private static void send(EmbeddedChannel channel, byte[] bytes) {
		channel.writeInbound(Unpooled.wrappedBuffer(bytes));
		channel.runPendingTasks();
	}

	private static String output(EmbeddedChannel channel) {
		StringBuilder text = new StringBuilder();
		Object out;
		while ((out = channel.readOutbound()) != null) {
			ByteBuf bytes = (ByteBuf) out;
			text.append(bytes.toString(StandardCharsets.US_ASCII));
			bytes.release();
		}
		return text.toString();
	}

	@Test
	void nothingIsWrittenUntilTheHeaderAndBothProxySlotsLeaveAfterIt() {
		EmbeddedChannel channel = open((proxy) -> proxy);
		assertThat(channel.pipeline().names()).containsSubsequence(PipelineNames.PROXY_DECODER, PipelineNames.PROXY,
				PipelineNames.FRAMER, PipelineNames.SESSION);
		assertThat(output(channel)).isEmpty();
		send(channel, ProxyHeaders.v1("192.0.2.10", 40000, "198.51.100.1", 25).getBytes(StandardCharsets.US_ASCII));
		assertThat(output(channel)).startsWith("220 mx.test.example");
		assertThat(channel.pipeline().names()).doesNotContain(PipelineNames.PROXY_DECODER, PipelineNames.PROXY,
				PipelineNames.LIMITER);
	}

	@Test
	void headerArrivingOneByteAtATimeIsAccepted() {
		EmbeddedChannel channel = open((proxy) -> proxy);
		byte[] header = ProxyHeaders.v2("192.0.2.10", 40000, "198.51.100.1", 25, ProxyHeaders.tlv(0x05, "id-1"));
		for (byte b : header) {
			assertThat(output(channel)).isEmpty();
			send(channel, new byte[] { b });
		}
		assertThat(output(channel)).startsWith("220 ");
		assertThat(channel.isActive()).isTrue();
	}

	@Test
	void bytesBehindTheHeaderReachTheSessionAfterTheGreeting() {
		EmbeddedChannel channel = open((proxy) -> proxy);
		send(channel, ProxyHeaders.concat(ProxyHeaders.v2Local(),
				"NOOP\r\nPROXY UNKNOWN\r\n".getBytes(StandardCharsets.US_ASCII)));
		String[] replies = output(channel).split("\r\n");
		assertThat(replies).hasSize(3);
		assertThat(replies[0]).startsWith("220 ");
		assertThat(replies[1]).startsWith("250 ");
		assertThat(replies[2]).startsWith("500 "); // a second header is just a command
	}

	@Test
	void byteThatFitsNeitherSignatureClosesAtOnceWithoutOutput() {
		EmbeddedChannel channel = open((proxy) -> proxy);
		send(channel, "PROXX".getBytes(StandardCharsets.US_ASCII));
		assertThat(channel.isActive()).isFalse();
		assertThat(output(channel)).isEmpty();
		assertThat(this.refusals).containsExactly(ConnectionRefusal.PROXY_INVALID);
	}

	@Test
	void v2HeaderClaimingMoreThanTheCapIsRefusedOnceTheCapIsPassed() {
		EmbeddedChannel channel = open((proxy) -> proxy);
		send(channel,
				ProxyHeaders.concat(ProxyHeaders.V2_SIGNATURE, new byte[] { 0x21, 0x11, (byte) 0xFF, (byte) 0xFF }));
		send(channel, new byte[ProxyHeaderDecoder.MAX_TLV_BYTES]);
		assertThat(channel.isActive()).isTrue(); // still within the cap
		send(channel, new byte[512]);
		assertThat(channel.isActive()).isFalse();
		assertThat(output(channel)).isEmpty();
		assertThat(this.refusals).containsExactly(ConnectionRefusal.PROXY_INVALID);
	}

	@Test
	void untrustedPeerIsClosedBeforeItSendsAnything() {
		EmbeddedChannel channel = open((proxy) -> proxy.withTrustedProxyNetworks(List.of("10.0.0.0/8", "::1")));
		assertThat(channel.isActive()).isFalse();
		assertThat(output(channel)).isEmpty();
		assertThat(this.refusals).containsExactly(ConnectionRefusal.PROXY_UNTRUSTED);
	}

}
