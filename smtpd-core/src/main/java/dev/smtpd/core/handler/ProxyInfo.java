package dev.smtpd.core.handler;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.jspecify.annotations.Nullable;

/**
 * The PROXY protocol header a trusted proxy sent before the SMTP conversation (HAProxy's
 * specification, v1 text or v2 binary). With a source address, that address is the
 * session's {@link Session#peerAddress() peer}; a {@code LOCAL} (v2) or {@code UNKNOWN}
 * (v1) header, as a proxy's health check sends, has none, and the session keeps the
 * connection's own address.
 *
 * @param version {@code 1} (text) or {@code 2} (binary)
 * @param local whether the header is {@code LOCAL} (v2) or {@code UNKNOWN} (v1): the
 * proxy speaks for itself and tells no addresses
 * @param source the client's address and port as the proxy saw it, {@code null} when
 * {@code local}
 * @param destination the address and port the client connected to on the proxy,
 * {@code null} when {@code local}
 * @param proxy the proxy's own address: the peer of the TCP connection
 * @param tlvs the type-length-value fields of a v2 header in the order received (empty
 * for v1); the {@code SSL} field ({@code 0x20}) keeps its sub-fields in its value
 */
public record ProxyInfo(int version, boolean local, @Nullable InetSocketAddress source,
		@Nullable InetSocketAddress destination, InetSocketAddress proxy, List<Tlv> tlvs) {

	/**
	 * TLV type of the application protocol (ALPN) the client negotiated with the proxy.
	 */
	public static final int TYPE_ALPN = 0x01;

	/** TLV type of the host name the client asked for (TLS SNI, the authority). */
	public static final int TYPE_AUTHORITY = 0x02;

	/** TLV type of a unique id the proxy gave the connection. */
	public static final int TYPE_UNIQUE_ID = 0x05;

	/** TLV type of the TLS details when the client spoke TLS to the proxy. */
	public static final int TYPE_SSL = 0x20;

	public ProxyInfo {
		tlvs = List.copyOf(tlvs);
	}

	/**
	 * Returns the value of the first field of a type.
	 * @param type the field type, such as {@link #TYPE_AUTHORITY}
	 * @return a copy of its value, or {@code null} without such a field
	 */
	public byte @Nullable [] tlv(int type) {
		for (Tlv tlv : this.tlvs) {
			if (tlv.type() == type) {
				return tlv.value();
			}
		}
		return null;
	}

	/**
	 * Returns the application protocol the client negotiated with the proxy (ALPN).
	 * @return the protocol, such as {@code smtp}, or {@code null}
	 */
	public @Nullable String alpn() {
		return text(TYPE_ALPN);
	}

	/**
	 * Returns the host name the client asked the proxy for (TLS SNI).
	 * @return the name, or {@code null}
	 */
	public @Nullable String authority() {
		return text(TYPE_AUTHORITY);
	}

	/**
	 * Returns the id the proxy gave the connection (HAProxy's {@code unique-id}).
	 * @return the id as text, or {@code null}
	 */
	public @Nullable String uniqueId() {
		return text(TYPE_UNIQUE_ID);
	}

	/**
	 * Returns the TLS details the proxy sent, when the client spoke TLS to the proxy.
	 * @return the details, or {@code null} without an {@code SSL} field
	 */
	public @Nullable Ssl ssl() {
		for (Tlv tlv : this.tlvs) {
			if (tlv.type() == TYPE_SSL && tlv.ssl() != null) {
				return tlv.ssl();
			}
		}
		return null;
	}

	private @Nullable String text(int type) {
		byte[] value = tlv(type);
		return (value != null) ? new String(value, StandardCharsets.UTF_8) : null;
	}

	/**
	 * One type-length-value field of a v2 header.
	 *
	 * @param type the type, {@code 0x00} to {@code 0xFF}
	 * @param value the value as received
	 * @param ssl the decoded details when this is the {@code SSL} field, else
	 * {@code null}
	 */
	public record Tlv(int type, byte[] value, @Nullable Ssl ssl) {

		public Tlv {
			value = value.clone();
		}

		@Override
		public byte[] value() {
			return this.value.clone();
		}

		@Override
		public String toString() {
			return "Tlv[type=0x" + Integer.toHexString(this.type) + ", length=" + this.value.length + "]";
		}

	}

	/**
	 * The TLS details of the {@code SSL} field ({@code PP2_TYPE_SSL}).
	 *
	 * @param clientFlags the client bits: {@code 0x01} the client used TLS, {@code 0x02}
	 * it sent a certificate on this connection, {@code 0x04} on this TLS session
	 * @param verify {@code 0} when the client's certificate was verified, else non-zero
	 * @param version the TLS version, such as {@code TLSv1.3}, or {@code null}
	 * @param cipher the cipher suite, or {@code null}
	 * @param signatureAlgorithm the certificate's signature algorithm, or {@code null}
	 * @param keyAlgorithm the certificate's key algorithm, or {@code null}
	 * @param commonName the client certificate's common name, or {@code null}
	 */
	public record Ssl(int clientFlags, int verify, @Nullable String version, @Nullable String cipher,
			@Nullable String signatureAlgorithm, @Nullable String keyAlgorithm, @Nullable String commonName) {

		/**
		 * Returns whether the client spoke TLS to the proxy.
		 * @return whether the {@code PP2_CLIENT_SSL} bit is set
		 */
		public boolean isSsl() {
			return (this.clientFlags & 0x01) != 0;
		}

		/**
		 * Returns whether the client presented a certificate.
		 * @return whether either certificate bit is set
		 */
		public boolean hasClientCertificate() {
			return (this.clientFlags & 0x06) != 0;
		}

		/**
		 * Returns whether the proxy verified the client's certificate.
		 * @return whether a certificate was presented and verified
		 */
		public boolean isVerified() {
			return hasClientCertificate() && this.verify == 0;
		}

	}

}
