package dev.smtpd.autoconfigure.tls;

import java.security.KeyStore;
import java.security.KeyStoreException;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLException;

import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.OpenSslCachingX509KeyManagerFactory;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.ssl.SslBundleKey;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.boot.ssl.SslOptions;

/**
 * Netty server contexts made from a Spring SSL bundle, renewed when the bundle is updated
 * ({@code spring.ssl.bundle.*.reload-on-update=true}): new connections get the new
 * certificate, open ones keep theirs. Uses OpenSSL (netty-tcnative) when it is on the
 * class path, unless the JDK provider is asked for.
 */
public class SslBundleSslContexts implements Supplier<SslContext> {

	private static final Logger logger = LoggerFactory.getLogger(SslBundleSslContexts.class);

	private final String bundleName;

	private final ClientAuth clientAuth;

	private final SslProvider provider;

	private final AtomicReference<Built> current = new AtomicReference<>();

	/**
	 * Builds the first context and registers for updates.
	 * @param bundles the application's bundles
	 * @param bundleName the bundle to use
	 * @param clientAuth whether to ask for client certificates
	 * @param forceJdkProvider whether to use the JDK's TLS even when OpenSSL is available
	 * @throws org.springframework.boot.ssl.NoSuchSslBundleException if there is no such
	 * bundle
	 * @throws IllegalStateException if the bundle cannot make a server context
	 */
	public SslBundleSslContexts(SslBundles bundles, String bundleName, ClientAuth clientAuth,
			boolean forceJdkProvider) {
		this.bundleName = bundleName;
		this.clientAuth = clientAuth;
		this.provider = (!forceJdkProvider && OpenSsl.isAvailable()) ? SslProvider.OPENSSL : SslProvider.JDK;
		this.current.set(build(bundles.getBundle(bundleName)));
		bundles.addBundleUpdateHandler(bundleName, this::update);
		logger.debug("TLS from SSL bundle '{}' with the {} provider", bundleName, this.provider);
	}

	private void update(SslBundle bundle) {
		try {
			this.current.set(build(bundle));
			logger.info("SSL bundle '{}' was updated: new connections use the new certificate", this.bundleName);
		}
		catch (RuntimeException ex) {
			logger.error("SSL bundle '{}' was updated but cannot be used; keeping the previous certificate",
					this.bundleName, ex);
		}
	}

	@Override
	public SslContext get() {
		return this.current.get().context();
	}

	/**
	 * Returns the provider in use.
	 * @return {@code OPENSSL} or {@code JDK}
	 */
	public SslProvider provider() {
		return this.provider;
	}

	/**
	 * Returns the server's certificate chain in use now, leaf first.
	 * @return the chain
	 */
	public List<X509Certificate> certificates() {
		return this.current.get().certificates();
	}

	private Built build(SslBundle bundle) {
		try {
			KeyManagerFactory keys = bundle.getManagers().getKeyManagerFactory();
			if (this.provider == SslProvider.OPENSSL) {
				// OpenSSL gets the key and chain once per context, not encoded anew for
				// every handshake (a new context is built when the bundle is updated)
				keys = new OpenSslCachingX509KeyManagerFactory(keys);
			}
			SslContextBuilder builder = SslContextBuilder.forServer(keys)
				.sslProvider(this.provider)
				.clientAuth(this.clientAuth);
			if (this.clientAuth != ClientAuth.NONE) {
				builder.trustManager(bundle.getManagers().getTrustManagerFactory());
			}
			SslOptions options = bundle.getOptions();
			if (options.getEnabledProtocols() != null) {
				builder.protocols(options.getEnabledProtocols());
			}
			if (options.getCiphers() != null) {
				builder.ciphers(List.of(options.getCiphers()));
			}
			return new Built(builder.build(), chain(bundle));
		}
		catch (SSLException | RuntimeException ex) {
			throw new IllegalStateException(
					"SSL bundle '" + this.bundleName + "' cannot be used for an SMTP server: " + ex.getMessage(), ex);
		}
	}

	private static List<X509Certificate> chain(SslBundle bundle) {
		KeyStore store = bundle.getStores().getKeyStore();
		if (store == null) {
			return List.of();
		}
		try {
			String alias = alias(bundle.getKey(), store);
			Certificate[] chain = (alias != null) ? store.getCertificateChain(alias) : null;
			if (chain == null) {
				return List.of();
			}
			List<X509Certificate> certificates = new ArrayList<>();
			for (Certificate certificate : chain) {
				if (certificate instanceof X509Certificate x509) {
					certificates.add(x509);
				}
			}
			return List.copyOf(certificates);
		}
		catch (KeyStoreException ex) {
			return List.of();
		}
	}

	private static @Nullable String alias(SslBundleKey key, KeyStore store) throws KeyStoreException {
		if (key.getAlias() != null) {
			return key.getAlias();
		}
		for (String alias : Collections.list(store.aliases())) {
			if (store.isKeyEntry(alias)) {
				return alias;
			}
		}
		return null;
	}

	private record Built(SslContext context, List<X509Certificate> certificates) {
	}

}
