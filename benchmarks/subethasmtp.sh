#!/usr/bin/env bash
#
# The optional peer of the load benchmark: SubEthaSMTP 7.2 (com.github.davidmoten:subethasmtp) as a
# sink, built from Maven Central in a throw-away folder (benchmarks/target/subethasmtp), then run by
# run.sh in place of our server, against smtp-sink as always. Compare its ratios to smtp-sink with
# ours from a run of run.sh on the same machine. See docs/performance.md.
#
# The sink takes a PKCS#12 key store and its password after the port: then it offers STARTTLS with
# that key (SSLContext "TLS" of the JDK's own provider, SunJSSE, as SubEthaSMTP ships; TLS 1.3 and 1.2
# enabled, the JDK's defaults otherwise). run.sh's scenarios TE and TR run it that way beside our
# server and Postfix, through "subethasmtp.sh command".
#
# Usage: benchmarks/subethasmtp.sh           (environment as for run.sh; SERVER and SERVER_CMD are set here)
#        benchmarks/subethasmtp.sh command   (builds the sink, prints its command line with $PORT
#                                             unexpanded and exits; run.sh adds the key store)
#
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
WORK="$HERE/target/subethasmtp"
VERSION="${SUBETHASMTP_VERSION:-7.2.0}"

mkdir -p "$WORK/src"
cat >"$WORK/pom.xml" <<EOF
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>bench</groupId>
  <artifactId>subethasmtp-sink</artifactId>
  <version>1</version>
  <dependencies>
    <dependency>
      <groupId>com.github.davidmoten</groupId>
      <artifactId>subethasmtp</artifactId>
      <version>$VERSION</version>
    </dependency>
    <dependency>
      <groupId>org.slf4j</groupId>
      <artifactId>slf4j-nop</artifactId>
      <version>1.7.36</version>
    </dependency>
  </dependencies>
</project>
EOF
cat >"$WORK/src/SubethaSink.java" <<'EOF'
import java.io.FileInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.security.KeyStore;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

import org.subethamail.smtp.helper.SimpleMessageListener;
import org.subethamail.smtp.server.SMTPServer;

/**
 * SubEthaSMTP on 127.0.0.1:<port>, accepting every message and dropping it; with a PKCS#12 key store
 * and its password after the port, offering STARTTLS with that key (the JDK's provider).
 */
public final class SubethaSink {

	public static void main(String[] args) throws Exception {
		SMTPServer.Builder builder = SMTPServer.port(Integer.parseInt(args[0]));
		if (args.length == 3) {
			char[] password = args[2].toCharArray();
			KeyStore keys = KeyStore.getInstance("PKCS12");
			try (InputStream in = new FileInputStream(args[1])) {
				keys.load(in, password);
			}
			KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
			factory.init(keys, password);
			SSLContext context = SSLContext.getInstance("TLS");
			context.init(factory.getKeyManagers(), null, null);
			builder.enableTLS().startTlsSocketFactory(context);
		}
		SMTPServer server = builder
			.bindAddress(InetAddress.getLoopbackAddress())
			.hostName("localhost")
			.maxConnections(60_000)
			.connectionTimeout(1, TimeUnit.HOURS)
			.simpleMessageListener(new SimpleMessageListener() {

				@Override
				public boolean accept(String from, String recipient) {
					return true;
				}

				@Override
				public void deliver(String from, String recipient, InputStream data) throws java.io.IOException {
					data.transferTo(OutputStream.nullOutputStream());
				}

			})
			.build();
		server.start();
		Thread.currentThread().join();
	}

}
EOF
(cd "$WORK" && mvn -q -B dependency:build-classpath -Dmdep.outputFile=classpath.txt) >&2
mkdir -p "$WORK/classes"
javac -d "$WORK/classes" -cp "$(cat "$WORK/classpath.txt")" "$WORK/src/SubethaSink.java" >&2

SUBETHASMTP_CMD="java ${SERVER_JAVA_OPTS:--Xmx1g} -cp $WORK/classes:$(cat "$WORK/classpath.txt") SubethaSink \$PORT"
if [[ "${1:-}" == command ]]; then
	echo "$SUBETHASMTP_CMD"
	exit 0
fi
export SERVER_CMD="$SUBETHASMTP_CMD"
export SERVER=core SERVER_NAME=SubEthaSMTP # SERVER=core: run.sh need not look for the sample app's jar
exec "$HERE/run.sh"
