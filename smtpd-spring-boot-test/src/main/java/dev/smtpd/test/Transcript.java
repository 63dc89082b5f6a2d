package dev.smtpd.test;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import dev.smtpd.core.event.SmtpServerListener;
import dev.smtpd.core.handler.Session;

/**
 * Records each command the catcher answered, with its reply code, from the server's
 * listener callbacks (on the event loop, after the reply was decided).
 */
final class Transcript implements SmtpServerListener {

	private final List<Exchange> exchanges = new CopyOnWriteArrayList<>();

	@Override
	public void commandCompleted(Session session, String verb, int replyCode) {
		boolean faulted = session.attributes().remove(FaultHandler.FAULTED) != null;
		this.exchanges.add(new Exchange(session.id(), verb, replyCode, faulted));
		if (replyCode == 354 && session.attributes().remove(FaultHandler.DROP_AFTER_354) != null) {
			// noted here, before the connection closes, so it is in order
			this.exchanges.add(new Exchange(session.id(), verb, 0, true));
		}
	}

	void add(Exchange exchange) {
		this.exchanges.add(exchange);
	}

	List<Exchange> exchanges() {
		return List.copyOf(this.exchanges);
	}

	void clear() {
		this.exchanges.clear();
	}

}
