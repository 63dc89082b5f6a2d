package dev.smtpd.autoconfigure.context;

import dev.smtpd.core.SmtpServer;
import org.springframework.context.ApplicationEvent;

/**
 * Published when the SMTP server accepts connections.
 */
public class SmtpServerStartedEvent extends ApplicationEvent {

	/**
	 * Creates the event.
	 * @param server the server that started
	 */
	public SmtpServerStartedEvent(SmtpServer server) {
		super(server);
	}

	/**
	 * Returns the server.
	 * @return the server
	 */
	public SmtpServer getServer() {
		return (SmtpServer) getSource();
	}

	/**
	 * Returns the port it listens on.
	 * @return the port
	 */
	public int getPort() {
		return getServer().port();
	}

}
