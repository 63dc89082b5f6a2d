package dev.smtpd.benchmarks;

import java.io.ByteArrayOutputStream;
import java.net.Inet4Address;
import java.net.InetSocketAddress;

/**
 * A PROXY protocol v2 header ({@code PROXY} command, TCP over IPv4), as HAProxy's
 * {@code send-proxy-v2} sends it without TLVs: 28 bytes.
 */
final class ProxyV2 {

	private static final byte[] SIGNATURE = { 0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A };

	private ProxyV2() {
	}

	static byte[] header(InetSocketAddress source, InetSocketAddress destination) {
		if (!(source.getAddress() instanceof Inet4Address) || !(destination.getAddress() instanceof Inet4Address)) {
			throw new IllegalArgumentException("IPv4 only: " + source + " -> " + destination);
		}
		ByteArrayOutputStream out = new ByteArrayOutputStream(28);
		out.writeBytes(SIGNATURE);
		out.write(0x21); // version 2, PROXY
		out.write(0x11); // TCP over IPv4
		out.write(0);
		out.write(12);
		out.writeBytes(source.getAddress().getAddress());
		out.writeBytes(destination.getAddress().getAddress());
		out.write(source.getPort() >> 8);
		out.write(source.getPort());
		out.write(destination.getPort() >> 8);
		out.write(destination.getPort());
		return out.toByteArray();
	}

}
