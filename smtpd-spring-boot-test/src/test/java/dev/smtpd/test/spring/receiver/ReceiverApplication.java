package dev.smtpd.test.spring.receiver;

import dev.smtpd.core.handler.Envelope;
import dev.smtpd.core.handler.RcptOptions;
import dev.smtpd.core.handler.Reply;
import dev.smtpd.core.handler.Session;
import dev.smtpd.core.handler.SmtpHandler;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Bean;

/**
 * The example application that receives mail with the starter: it accepts mail only for
 * {@code shop.example}; {@code smtpd.handler=memory} keeps what it accepted.
 */
@SpringBootConfiguration
@EnableAutoConfiguration
public class ReceiverApplication {

	@Bean
	SmtpHandler shopRecipients() {
		return new SmtpHandler() {

			@Override
			public @Nullable Reply rcpt(Session session, Envelope envelope, String address, RcptOptions options) {
				return address.toLowerCase(java.util.Locale.ROOT).endsWith("@shop.example") ? null
						: Reply.of(550, "5.1.1", "No such mailbox here");
			}

		};
	}

}
