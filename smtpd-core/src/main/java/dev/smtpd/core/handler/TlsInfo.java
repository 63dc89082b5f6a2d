package dev.smtpd.core.handler;

import java.security.cert.Certificate;
import java.util.List;

/**
 * The negotiated TLS parameters of a session.
 *
 * @param protocol the protocol, such as {@code TLSv1.3}
 * @param cipherSuite the cipher suite
 * @param peerCertificates the client's certificate chain, empty if it sent none
 */
public record TlsInfo(String protocol, String cipherSuite, List<Certificate> peerCertificates) {

	public TlsInfo {
		peerCertificates = List.copyOf(peerCertificates);
	}

}
