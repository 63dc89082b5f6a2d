package dev.smtpd.core.test;

import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;

/**
 * Hand-built PROXY protocol headers (HAProxy's specification), for tests that play the
 * proxy.
 */
public final class ProxyHeaders {

	/** The twelve bytes every v2 header starts with. */
	public static final byte[] V2_SIGNATURE = { 0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54,
			0x0A };

	private ProxyHeaders() {
	}

	/**
	 * A v1 header for a TCP client over IPv4 or IPv6.
	 * @param source the client's address
	 * @param sourcePort the client's port
	 * @param destination the proxy's address the client connected to
	 * @param destinationPort the port the client connected to
	 * @return the header line with its CRLF
	 */
	public static String v1(String source, int sourcePort, String destination, int destinationPort) {
		String family = source.contains(":") ? "TCP6" : "TCP4";
		return "PROXY " + family + " " + source + " " + destination + " " + sourcePort + " " + destinationPort + "\r\n";
	}

	/**
	 * A v2 {@code PROXY} header for a TCP client, with TLVs.
	 * @param source the client's address literal
	 * @param sourcePort the client's port
	 * @param destination the address literal the client connected to
	 * @param destinationPort the port the client connected to
	 * @param tlvs encoded TLVs, see {@link #tlv}
	 * @return the header
	 */
	public static byte[] v2(String source, int sourcePort, String destination, int destinationPort, byte[]... tlvs) {
		byte[] src = address(source);
		byte[] dst = address(destination);
		ByteArrayOutputStream body = new ByteArrayOutputStream();
		body.writeBytes(src);
		body.writeBytes(dst);
		body.write(sourcePort >> 8);
		body.write(sourcePort);
		body.write(destinationPort >> 8);
		body.write(destinationPort);
		for (byte[] tlv : tlvs) {
			body.writeBytes(tlv);
		}
		return v2Header(0x21, (src.length == 4) ? 0x11 : 0x21, body.toByteArray());
	}

	/**
	 * A v2 {@code LOCAL} header, as a proxy's health check sends.
	 * @return the header
	 */
	public static byte[] v2Local() {
		return v2Header(0x20, 0x00, new byte[0]);
	}

	/**
	 * A v2 header with any version/command byte, family byte and body.
	 * @param versionCommand the 13th byte
	 * @param family the 14th byte
	 * @param body the bytes after the length
	 * @return the header
	 */
	public static byte[] v2Header(int versionCommand, int family, byte[] body) {
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		out.writeBytes(V2_SIGNATURE);
		out.write(versionCommand);
		out.write(family);
		out.write(body.length >> 8);
		out.write(body.length);
		out.writeBytes(body);
		return out.toByteArray();
	}

	/**
	 * One TLV.
	 * @param type its type
	 * @param value its value
	 * @return the encoded field
	 */
	public static byte[] tlv(int type, byte[] value) {
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		out.write(type);
		out.write(value.length >> 8);
		out.write(value.length);
		out.writeBytes(value);
		return out.toByteArray();
	}

	/**
	 * One TLV with a text value.
	 * @param type its type
	 * @param value its value
	 * @return the encoded field
	 */
	public static byte[] tlv(int type, String value) {
		return tlv(type, value.getBytes(StandardCharsets.UTF_8));
	}

	/**
	 * The {@code SSL} TLV: client flags, verify result, then sub-TLVs.
	 * @param client the client bits
	 * @param verify {@code 0} when the certificate was verified
	 * @param subTlvs encoded sub-fields (version {@code 0x21}, CN {@code 0x22}, cipher
	 * {@code 0x23}...)
	 * @return the encoded field
	 */
	public static byte[] sslTlv(int client, int verify, byte[]... subTlvs) {
		ByteArrayOutputStream value = new ByteArrayOutputStream();
		value.write(client);
		value.write(verify >>> 24);
		value.write(verify >>> 16);
		value.write(verify >>> 8);
		value.write(verify);
		for (byte[] sub : subTlvs) {
			value.writeBytes(sub);
		}
		return tlv(0x20, value.toByteArray());
	}

	/**
	 * Joins byte arrays.
	 * @param parts the parts
	 * @return them in a row
	 */
	public static byte[] concat(byte[]... parts) {
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		for (byte[] part : parts) {
			out.writeBytes(part);
		}
		return out.toByteArray();
	}

	private static byte[] address(String literal) {
		try {
			return InetAddress.getByName(literal).getAddress();
		}
		catch (UnknownHostException ex) {
			throw new IllegalArgumentException(ex);
		}
	}

}
