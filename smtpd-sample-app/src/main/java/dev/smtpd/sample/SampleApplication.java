package dev.smtpd.sample;

import java.util.Arrays;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * A mail receiver: listens on port 8025, logs every message and stores it in a Maildir
 * under {@code ./mail}. Every {@code smtpd.*} property works as {@code --smtpd.x=y};
 * {@code --help} lists the common ones, and {@code users ...} manages the users file
 * without starting the server.
 */
@SpringBootApplication
public class SampleApplication {

	public static void main(String[] args) {
		if (args.length > 0 && args[0].equals("users")) {
			System.exit(UsersCommand.run(Arrays.copyOfRange(args, 1, args.length)));
		}
		if (Arrays.asList(args).contains("--help") || Arrays.asList(args).contains("-h")) {
			System.out.print(Help.TEXT);
			System.exit(0);
		}
		SpringApplication.run(SampleApplication.class, args);
	}

}
