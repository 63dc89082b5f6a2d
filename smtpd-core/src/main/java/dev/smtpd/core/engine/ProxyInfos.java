package dev.smtpd.core.engine;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

import dev.smtpd.core.handler.ProxyInfo;
import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyProtocolVersion;
import io.netty.handler.codec.haproxy.HAProxySSLTLV;
import io.netty.handler.codec.haproxy.HAProxyTLV;
import io.netty.util.NetUtil;
import org.jspecify.annotations.Nullable;

/**
 * Turns Netty's decoded PROXY header into the SPI's {@link ProxyInfo}, copying every
 * byte, so that nothing of Netty's (nor a pooled buffer) reaches a handler.
 */
final class ProxyInfos {

	private static final int SSL_VERSION = 0x21;

	private static final int SSL_CN = 0x22;

	private static final int SSL_CIPHER = 0x23;

	private static final int SSL_SIG_ALG = 0x24;

	private static final int SSL_KEY_ALG = 0x25;

	private ProxyInfos() {
	}

	/**
	 * Converts a header.
	 * @param message the decoded header, still owned by the caller
	 * @param proxy the connection's peer: the proxy
	 * @return the header for the SPI; {@code local} (no addresses) for a v2
	 * {@code LOCAL}, a v1 {@code UNKNOWN}, or a proxied Unix socket client
	 */
	static ProxyInfo of(HAProxyMessage message, InetSocketAddress proxy) {
		int version = (message.protocolVersion() == HAProxyProtocolVersion.V1) ? 1 : 2;
		InetSocketAddress source = address(message.sourceAddress(), message.sourcePort());
		InetSocketAddress destination = address(message.destinationAddress(), message.destinationPort());
		boolean local = message.command() == HAProxyCommand.LOCAL || source == null;
		List<ProxyInfo.Tlv> tlvs = new ArrayList<>(message.tlvs().size());
		// Netty lists the SSL field's sub-fields after it as well: they stay inside it
		Set<HAProxyTLV> nested = Collections.newSetFromMap(new IdentityHashMap<>());
		for (HAProxyTLV tlv : message.tlvs()) {
			if (nested.contains(tlv)) {
				continue;
			}
			if (tlv instanceof HAProxySSLTLV ssl) {
				nested.addAll(ssl.encapsulatedTLVs());
			}
			tlvs.add(tlv(tlv));
		}
		return new ProxyInfo(version, local, local ? null : source, local ? null : destination, proxy, tlvs);
	}

	private static @Nullable InetSocketAddress address(@Nullable String address, int port) {
		if (address == null) {
			return null;
		}
		InetAddress parsed = NetUtil.createInetAddressFromIpAddressString(address); // no
																					// lookup
		return (parsed != null) ? new InetSocketAddress(parsed, port) : null;
	}

	private static ProxyInfo.Tlv tlv(HAProxyTLV tlv) {
		byte[] value = ByteBufUtil.getBytes(tlv.content());
		ProxyInfo.Ssl ssl = null;
		if (tlv instanceof HAProxySSLTLV sslTlv) {
			ssl = new ProxyInfo.Ssl(sslTlv.client() & 0xFF, sslTlv.verify(),
					text(sslTlv.encapsulatedTLVs(), SSL_VERSION), text(sslTlv.encapsulatedTLVs(), SSL_CIPHER),
					text(sslTlv.encapsulatedTLVs(), SSL_SIG_ALG), text(sslTlv.encapsulatedTLVs(), SSL_KEY_ALG),
					text(sslTlv.encapsulatedTLVs(), SSL_CN));
		}
		return new ProxyInfo.Tlv(tlv.typeByteValue() & 0xFF, value, ssl);
	}

	private static @Nullable String text(List<HAProxyTLV> tlvs, int type) {
		for (HAProxyTLV tlv : tlvs) {
			if ((tlv.typeByteValue() & 0xFF) == type) {
				return tlv.content().toString(StandardCharsets.UTF_8);
			}
		}
		return null;
	}

}
