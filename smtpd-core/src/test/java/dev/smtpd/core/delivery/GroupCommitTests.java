package dev.smtpd.core.delivery;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * {@link GroupCommit} with a sync that the test holds: who syncs, who waits, and what
 * each caller is told.
 */
@Tag("transport-independent")
class GroupCommitTests {

	private final ExecutorService threads = Executors.newCachedThreadPool();

	@AfterEach
	void stop() {
		this.threads.shutdownNow();
	}

	@Test
	void aLoneCallerSyncsAtOnceOnItsOwnThread() throws Exception {
		List<Thread> syncedOn = new ArrayList<>();
		GroupCommit commit = new GroupCommit(() -> syncedOn.add(Thread.currentThread()));
		commit.awaitDurable();
		commit.awaitDurable();
		assertThat(syncedOn).containsExactly(Thread.currentThread(), Thread.currentThread());
	}

	@Test
	void callersArrivingDuringASyncShareTheNextOneAndWaitForIt() throws Exception {
		HeldSync sync = new HeldSync();
		GroupCommit commit = new GroupCommit(sync);
		Future<?> first = this.threads.submit(() -> await(commit));
		assertThat(sync.started.get(0).await(10, TimeUnit.SECONDS)).isTrue();
		List<Future<?>> later = new ArrayList<>();
		for (int i = 0; i < 5; i++) {
			later.add(this.threads.submit(() -> await(commit)));
		}
		sync.awaitWaiters(commit, 5);
		// the first sync started before their renames: none of them may return on it
		sync.release.get(0).countDown();
		first.get(10, TimeUnit.SECONDS);
		assertThat(sync.started.get(1).await(10, TimeUnit.SECONDS)).isTrue();
		assertThat(later).noneMatch(Future::isDone);
		sync.release.get(1).countDown();
		for (Future<?> future : later) {
			future.get(10, TimeUnit.SECONDS);
		}
		assertThat(sync.count.get()).isEqualTo(2);
	}

	@Test
	void aSyncWaitsForADeliveryOnItsWayAndCoversItToo() throws Exception {
		AtomicInteger syncs = new AtomicInteger();
		GroupCommit commit = new GroupCommit(syncs::incrementAndGet, TimeUnit.SECONDS.toNanos(30));
		// the first to arrive waits for the second, still on its way, instead of syncing
		Future<?> first = firstOfTwoGathering(commit);
		assertThat(syncs.get()).isZero();
		commit.awaitDurable();
		first.get(10, TimeUnit.SECONDS);
		assertThat(syncs.get()).isEqualTo(1);
	}

	@Test
	void aDeliveryThatLeavesIsNotWaitedFor() throws Exception {
		AtomicInteger syncs = new AtomicInteger();
		GroupCommit commit = new GroupCommit(syncs::incrementAndGet, TimeUnit.SECONDS.toNanos(30));
		Future<?> first = firstOfTwoGathering(commit);
		commit.leave(); // failed before its rename
		// far sooner than the 30 s it would wait for a delivery still coming
		first.get(10, TimeUnit.SECONDS);
		assertThat(syncs.get()).isEqualTo(1);
	}

	/**
	 * Two deliveries on their way; the first arrives and waits (gathers) for the second.
	 * @return the first delivery's wait
	 */
	private Future<?> firstOfTwoGathering(GroupCommit commit) {
		commit.begin();
		commit.begin();
		Future<?> first = this.threads.submit(() -> await(commit));
		Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> commit.waiting() == 1);
		return first;
	}

	@Test
	@Timeout(20)
	void aSyncWaitsNoLongerThanTheGatherTimeForADeliveryThatDoesNotCome() throws Exception {
		AtomicInteger syncs = new AtomicInteger();
		GroupCommit commit = new GroupCommit(syncs::incrementAndGet, TimeUnit.MILLISECONDS.toNanos(50));
		commit.begin();
		commit.begin(); // and never arrives
		long start = System.nanoTime();
		commit.awaitDurable();
		// it waited for the one still coming, as long as the gather time and no longer
		assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(50))
			.isLessThan(TimeUnit.SECONDS.toNanos(5));
		assertThat(syncs.get()).isEqualTo(1);
	}

	@Test
	void aCallerInterruptedWhileGatheringLeavesTheSyncToTheOthersOfItsBatch() throws Exception {
		AtomicInteger syncs = new AtomicInteger();
		GroupCommit commit = new GroupCommit(syncs::incrementAndGet, TimeUnit.SECONDS.toNanos(30));
		commit.begin();
		commit.begin();
		commit.begin();
		AtomicReference<Throwable> failure = new AtomicReference<>();
		Thread first = new Thread(() -> {
			try {
				commit.awaitDurable(); // gathers: two are coming
			}
			catch (IOException ex) {
				failure.set(ex);
			}
		});
		first.start();
		Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> commit.waiting() == 1);
		Future<?> second = this.threads.submit(() -> await(commit)); // joins its batch
		Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> commit.waiting() == 2);
		first.interrupt(); // a hook timeout
		first.join(10_000);
		assertThat(failure.get()).isInstanceOf(InterruptedIOException.class);
		assertThat(syncs.get()).isZero();
		commit.leave(); // the third fails before its rename: nobody else is coming
		second.get(10, TimeUnit.SECONDS);
		assertThat(syncs.get()).isEqualTo(1);
	}

	@Test
	void anInterruptedLeaderStillSyncsForItsBatch() throws Exception {
		List<Boolean> interruptedDuringSync = new ArrayList<>();
		GroupCommit commit = new GroupCommit(() -> interruptedDuringSync.add(Thread.currentThread().isInterrupted()));
		Thread.currentThread().interrupt();
		try {
			commit.awaitDurable();
			assertThat(Thread.currentThread().isInterrupted()).isTrue();
		}
		finally {
			Thread.interrupted();
		}
		assertThat(interruptedDuringSync).containsExactly(false);
	}

	@Test
	void aFailedSyncFailsEveryCallerItCoveredAndTheNextSyncStartsAfresh() throws Exception {
		AtomicInteger calls = new AtomicInteger();
		GroupCommit commit = new GroupCommit(() -> {
			if (calls.incrementAndGet() == 1) {
				throw new IOException("disk gone");
			}
		});
		assertThatExceptionOfType(IOException.class).isThrownBy(commit::awaitDurable)
			.withMessageContaining("disk gone");
		commit.awaitDurable();
		assertThat(calls.get()).isEqualTo(2);
	}

	private static Void await(GroupCommit commit) throws IOException {
		commit.awaitDurable();
		return null;
	}

	/** A sync that signals when it starts and ends only when the test releases it. */
	private static final class HeldSync implements GroupCommit.Sync {

		final List<CountDownLatch> started = List.of(new CountDownLatch(1), new CountDownLatch(1));

		final List<CountDownLatch> release = List.of(new CountDownLatch(1), new CountDownLatch(1));

		final AtomicInteger count = new AtomicInteger();

		@Override
		public void run() throws IOException {
			int index = this.count.getAndIncrement();
			this.started.get(index).countDown();
			try {
				this.release.get(index).await(10, TimeUnit.SECONDS);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				throw new IOException(ex);
			}
		}

		void awaitWaiters(GroupCommit commit, int waiters) throws InterruptedException {
			long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
			while (commit.waiting() < waiters && System.nanoTime() < deadline) {
				LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
			}
			assertThat(commit.waiting()).isEqualTo(waiters);
		}

	}

}
