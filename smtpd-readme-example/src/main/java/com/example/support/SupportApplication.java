package com.example.support;

import java.io.IOException;

import dev.smtpd.core.auth.AuthResult;
import dev.smtpd.core.auth.Authenticator;
import dev.smtpd.core.auth.LoginPassword;
import dev.smtpd.core.handler.Envelope;
import dev.smtpd.core.handler.MessageContent;
import dev.smtpd.core.handler.RcptOptions;
import dev.smtpd.core.handler.Reply;
import dev.smtpd.core.handler.Session;
import dev.smtpd.core.handler.SmtpHandler;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;

@SpringBootApplication
public class SupportApplication {

	public static void main(String[] args) {
		SpringApplication.run(SupportApplication.class, args);
	}

	@Bean
	SmtpHandler ticketHandler(TicketService tickets) {
		return new SmtpHandler() {

			@Override
			public Reply rcpt(Session session, Envelope envelope, String address, RcptOptions options) {
				// null: the default, 250 2.1.5 OK
				return address.endsWith("@support.example.com") ? null : Reply.of(550, "5.1.1", "No such mailbox here");
			}

			@Override
			public Reply data(Session session, Envelope envelope, MessageContent content) throws IOException {
				// runs on the hook executor, so it may block; 250 is sent once it
				// returned
				tickets.open(envelope.mailFrom(), content.asText());
				return null;
			}

		};
	}

	@Bean
	Authenticator agents(@Value("${support.agent-password}") String agentPassword) {
		return (session, mechanism, credentials) -> {
			// what PLAIN and LOGIN carry
			LoginPassword given = (LoginPassword) credentials;
			boolean ok = given.login().equals("agent") && given.passwordAsString().equals(agentPassword);
			return ok ? AuthResult.success("agent") : AuthResult.failure();
		};
	}

}
