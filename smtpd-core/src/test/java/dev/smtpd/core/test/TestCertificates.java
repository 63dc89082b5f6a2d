package dev.smtpd.core.test;

import java.security.KeyStore;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

import javax.net.ssl.SSLContext;

import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.X509Bundle;

/**
 * A throw-away self-signed certificate for {@code localhost}, made when the tests run; no
 * key is ever committed.
 */
public final class TestCertificates {

	private static final X509Bundle BUNDLE = create();

	private TestCertificates() {
	}

	private static X509Bundle create() {
		try {
			return new CertificateBuilder().subject("CN=localhost")
				.addSanDnsName("localhost")
				.addSanIpAddress("127.0.0.1")
				.notBefore(Instant.now().minus(1, ChronoUnit.DAYS))
				.notAfter(Instant.now().plus(30, ChronoUnit.DAYS))
				.ecp256()
				.setIsCertificateAuthority(true)
				.buildSelfSigned();
		}
		catch (Exception ex) {
			throw new IllegalStateException("Test certificate could not be made", ex);
		}
	}

	public static X509Bundle bundle() {
		return BUNDLE;
	}

	/** The server's context, as the engine takes it, with the JDK's TLS provider. */
	public static SslContext serverContext() {
		return serverContext(SslProvider.JDK);
	}

	/** The server's context with the given TLS provider. */
	public static SslContext serverContext(SslProvider provider) {
		try {
			return SslContextBuilder.forServer(BUNDLE.getKeyPair().getPrivate(), BUNDLE.getCertificatePath())
				.sslProvider(provider)
				.build();
		}
		catch (Exception ex) {
			throw new IllegalStateException(ex);
		}
	}

	/** A client context that trusts the test certificate and nothing else. */
	public static SSLContext clientContext() {
		try {
			KeyStore trust = KeyStore.getInstance("PKCS12");
			trust.load(null, null);
			trust.setCertificateEntry("test", BUNDLE.getCertificate());
			javax.net.ssl.TrustManagerFactory factory = javax.net.ssl.TrustManagerFactory
				.getInstance(javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
			factory.init(trust);
			SSLContext context = SSLContext.getInstance("TLS");
			context.init(null, factory.getTrustManagers(), null);
			return context;
		}
		catch (Exception ex) {
			throw new IllegalStateException(ex);
		}
	}

}
