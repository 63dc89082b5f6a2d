package dev.smtpd.core.delivery;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import org.jspecify.annotations.Nullable;

/**
 * Makes renames into one directory durable for many threads at once: a caller that has
 * finished its rename calls {@link #awaitDurable()}, which returns only after a sync of
 * the directory that <em>started after</em> that rename has succeeded. Callers that
 * arrive while a sync is running wait for it to end and then share the next one, so
 * {@code n} concurrent deliveries pay about two directory syncs instead of {@code n}. A
 * caller that finds no sync running starts one, at once when no other delivery is on its
 * way ({@link #begin()}), else after waiting up to a millisecond for those to join it: a
 * lone message waits for nothing but its own sync. The sync runs on a caller's thread (no
 * thread of its own); waiting uses a {@link ReentrantLock}, which does not pin a virtual
 * thread.
 * <p>
 * If a sync fails, every caller it covered gets the failure (none of them may answer
 * {@code 250}).
 */
final class GroupCommit {

	/**
	 * Forces the directory to disk.
	 */
	@FunctionalInterface
	interface Sync {

		void run() throws IOException;

	}

	/**
	 * How long a sync waits for deliveries still on their way to it, at most: a fraction
	 * of what a sync of a journaled file system takes, so a batch waits less than it
	 * saves (docs/performance.md, "Q on a journaled ext4 with a reader, and a sync that
	 * gathers").
	 */
	static final long GATHER_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

	private final Sync sync;

	private final long gatherNanos;

	private final ReentrantLock lock = new ReentrantLock();

	private final Condition changed = this.lock.newCondition();

	/**
	 * The batch that the next sync will cover; callers join it until that sync starts.
	 */
	private @Nullable Batch open;

	private boolean syncing;

	/** Deliveries that {@link #begin began} and have not arrived or left yet. */
	private int coming;

	GroupCommit(Sync sync) {
		this(sync, GATHER_NANOS);
	}

	GroupCommit(Sync sync, long gatherNanos) {
		this.sync = sync;
		this.gatherNanos = gatherNanos;
	}

	/**
	 * A delivery begins: it will rename a file into the directory and call
	 * {@link #awaitDurable()} soon, or {@link #leave()} if it fails first. A sync about
	 * to start waits a little for deliveries on their way, so that one sync covers them
	 * too.
	 */
	void begin() {
		this.lock.lock();
		try {
			this.coming++;
		}
		finally {
			this.lock.unlock();
		}
	}

	/** A delivery that {@link #begin began} ends without a rename to make durable. */
	void leave() {
		this.lock.lock();
		try {
			arrived();
		}
		finally {
			this.lock.unlock();
		}
	}

	private void arrived() {
		if (this.coming > 0) {
			this.coming--;
			this.changed.signalAll();
		}
	}

	/**
	 * Returns once a directory sync that started after this call has succeeded.
	 * @throws IOException if that sync failed, or the wait was interrupted
	 */
	void awaitDurable() throws IOException {
		Batch batch;
		boolean lead = false;
		this.lock.lock();
		try {
			arrived();
			if (this.open == null) {
				this.open = new Batch();
			}
			batch = this.open;
			while (!batch.done) {
				if (!this.syncing && this.open == batch && !batch.led) {
					batch.led = true;
					gather(batch);
					this.syncing = true;
					this.open = null;
					lead = true;
					break;
				}
				await();
			}
		}
		finally {
			this.lock.unlock();
		}
		if (lead) {
			runSync(batch);
		}
		IOException failure = batch.failure;
		if (failure != null) {
			throw new IOException("directory sync failed: " + failure.getMessage(), failure);
		}
	}

	/**
	 * While deliveries that began are still on their way, waits for them to join the
	 * batch, up to the gather time.
	 */
	private void gather(Batch batch) throws InterruptedIOException {
		long left = this.gatherNanos;
		while (this.coming > 0 && left > 0) {
			try {
				left = this.changed.awaitNanos(left);
			}
			catch (InterruptedException ex) {
				// another caller of the batch takes on its sync
				batch.led = false;
				this.changed.signalAll();
				Thread.currentThread().interrupt();
				throw new InterruptedIOException("interrupted while waiting for deliveries to join a directory sync");
			}
		}
	}

	private void await() throws InterruptedIOException {
		try {
			this.changed.await();
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new InterruptedIOException("interrupted while waiting for the directory to be synced");
		}
	}

	/**
	 * Returns how many callers wait for a sync to end, or for deliveries to join theirs
	 * (for tests).
	 * @return the number of waiting callers
	 */
	int waiting() {
		this.lock.lock();
		try {
			return this.lock.getWaitQueueLength(this.changed);
		}
		finally {
			this.lock.unlock();
		}
	}

	private void runSync(Batch batch) {
		IOException failure = null;
		// an interrupt meant for the leader's own work (a hook timeout) must not fail the
		// sync of everyone it covers: a file channel closes when its thread is
		// interrupted
		boolean interrupted = Thread.interrupted();
		try {
			this.sync.run();
		}
		catch (IOException ex) {
			failure = ex;
		}
		catch (RuntimeException | Error ex) {
			failure = new IOException(ex);
		}
		finally {
			this.lock.lock();
			try {
				batch.failure = failure;
				batch.done = true;
				this.syncing = false;
				this.changed.signalAll();
			}
			finally {
				this.lock.unlock();
			}
			if (interrupted) {
				Thread.currentThread().interrupt();
			}
		}
	}

	private static final class Batch {

		boolean done;

		/** A caller took on this batch's sync (it may still be gathering). */
		boolean led;

		@Nullable IOException failure;

	}

}
