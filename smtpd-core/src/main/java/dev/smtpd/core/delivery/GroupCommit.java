package dev.smtpd.core.delivery;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import org.jspecify.annotations.Nullable;

/**
 * Makes renames into one directory durable for many threads at once: a caller that has
 * finished its rename calls {@link #awaitDurable()}, which returns only after a sync of
 * the directory that <em>started after</em> that rename has succeeded. Callers that
 * arrive while a sync is running wait for it to end and then share the next one, so
 * {@code n} concurrent deliveries pay about two directory syncs instead of {@code n}; a
 * caller that finds no sync running starts one at once, so a lone message waits for
 * nothing but its own sync. The sync runs on a caller's thread (no thread of its own);
 * waiting uses a {@link ReentrantLock}, which does not pin a virtual thread.
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

	private final Sync sync;

	private final ReentrantLock lock = new ReentrantLock();

	private final Condition changed = this.lock.newCondition();

	/**
	 * The batch that the next sync will cover; callers join it until that sync starts.
	 */
	private @Nullable Batch open;

	private boolean syncing;

	GroupCommit(Sync sync) {
		this.sync = sync;
	}

	/**
	 * Returns once a directory sync that started after this call has succeeded.
	 * @throws IOException if that sync failed, or the wait was interrupted
	 */
	void awaitDurable() throws IOException {
		Batch batch;
		this.lock.lock();
		try {
			if (this.open == null) {
				this.open = new Batch();
			}
			batch = this.open;
			while (!batch.done) {
				if (!this.syncing && this.open == batch) {
					this.syncing = true;
					this.open = null;
					break;
				}
				try {
					this.changed.await();
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
					throw new InterruptedIOException("interrupted while waiting for the directory to be synced");
				}
			}
		}
		finally {
			this.lock.unlock();
		}
		if (!batch.done) {
			runSync(batch);
		}
		IOException failure = batch.failure;
		if (failure != null) {
			throw new IOException("directory sync failed: " + failure.getMessage(), failure);
		}
	}

	/**
	 * Returns how many callers wait for a sync to end (for tests).
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
		try {
			this.sync.run();
		}
		catch (IOException ex) {
			failure = ex;
		}
		catch (RuntimeException ex) {
			failure = new IOException(ex);
		}
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
	}

	private static final class Batch {

		boolean done;

		@Nullable IOException failure;

	}

}
