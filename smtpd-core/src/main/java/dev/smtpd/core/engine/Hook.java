package dev.smtpd.core.engine;

import java.lang.reflect.Method;
import java.util.Arrays;

import dev.smtpd.core.handler.SmtpHandler;

/**
 * The hooks of {@link SmtpHandler}, each with the method a handler overrides to take
 * part.
 */
enum Hook {

	PROXY("proxy"), CONNECT("connect"), STARTTLS("starttls"), AUTH("auth"), HELO("helo"), EHLO("ehlo"), MAIL("mail"),
	RCPT("rcpt"), DATA_START("dataStart"), DATA("data"), DELIVER("deliver"), RSET("rset"), NOOP("noop"), VRFY("vrfy"),
	QUIT("quit"), DISCONNECTED("disconnected");

	private final Method method;

	Hook(String methodName) {
		this.method = Arrays.stream(SmtpHandler.class.getMethods())
			.filter((candidate) -> candidate.getName().equals(methodName))
			.findFirst()
			.orElseThrow();
	}

	/**
	 * Returns whether a handler's class overrides this hook's default method.
	 * @param handler the handler
	 * @return whether it takes part in this hook
	 */
	boolean isOverriddenBy(SmtpHandler handler) {
		try {
			Method implementation = handler.getClass()
				.getMethod(this.method.getName(), this.method.getParameterTypes());
			return implementation.getDeclaringClass() != SmtpHandler.class;
		}
		catch (NoSuchMethodException ex) {
			return false;
		}
	}

}
