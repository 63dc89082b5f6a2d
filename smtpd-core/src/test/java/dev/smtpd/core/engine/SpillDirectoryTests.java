package dev.smtpd.core.engine;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Servers starting at the same time in one temporary directory each get a directory of
 * their own, although each removes the directories it takes for stale as it starts.
 */
@Tag("transport-independent")
class SpillDirectoryTests {

	private static final int THREADS = 4;

	private static final int STARTS = 250;

	@TempDir
	Path base;

	@Test
	void serversStartingTogetherEachGetADirectoryTheyHold() throws Exception {
		ExecutorService threads = Executors.newFixedThreadPool(THREADS);
		try {
			CountDownLatch start = new CountDownLatch(1);
			List<Future<?>> results = new ArrayList<>();
			for (int t = 0; t < THREADS; t++) {
				results.add(threads.submit(() -> {
					start.await();
					for (int i = 0; i < STARTS; i++) {
						try (SpillDirectory directory = SpillDirectory.create(this.base)) {
							assertThat(directory.path().resolve(SpillDirectory.LOCK)).isRegularFile();
						}
					}
					return null;
				}));
			}
			start.countDown();
			for (Future<?> result : results) {
				result.get(2, TimeUnit.MINUTES);
			}
		}
		finally {
			threads.shutdownNow();
		}
		try (var left = Files.list(this.base)) {
			assertThat(left).isEmpty();
		}
	}

}
