package dev.smtpd.core.test;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.LongAdder;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import io.netty.util.ResourceLeakDetectorFactory;
import io.netty.util.ResourceLeakTracker;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test when Netty's leak detector, at {@code PARANOID}, reports a buffer that was
 * never released. Registered for every test through JUnit's extension auto-detection; it
 * installs its detector factory before any buffer class is loaded. The collections that
 * make the detector see unreleased buffers are slow, so a test that tracked no Netty
 * resource (a parser test on strings) skips them; any test that allocated a buffer, on a
 * socket or an {@code EmbeddedChannel}, gets them.
 */
public class NettyLeakDetectionExtension implements AfterEachCallback {

	private static final List<String> leaks = new CopyOnWriteArrayList<>();

	private static final LongAdder tracked = new LongAdder();

	static {
		ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
		ResourceLeakDetectorFactory.setResourceLeakDetectorFactory(new RecordingFactory());
	}

	@Override
	public void afterEach(ExtensionContext context) {
		if (tracked.sum() == 0 && leaks.isEmpty()) {
			return;
		}
		for (int i = 0; i < 3 && leaks.isEmpty(); i++) {
			System.gc();
			System.runFinalization();
			// a tracked allocation makes the detectors look at what the collector found
			for (int j = 0; j < 8; j++) {
				ByteBuf pooled = PooledByteBufAllocator.DEFAULT.buffer(16);
				pooled.release();
				ByteBuf unpooled = UnpooledByteBufAllocator.DEFAULT.heapBuffer(16);
				unpooled.release();
			}
		}
		tracked.reset();
		if (!leaks.isEmpty()) {
			List<String> found = List.copyOf(leaks);
			leaks.clear();
			throw new AssertionError("Netty reported " + found.size() + " leaked buffer(s):\n" + found.get(0));
		}
	}

	private static final class RecordingFactory extends ResourceLeakDetectorFactory {

		@Override
		@SuppressWarnings("deprecation")
		public <T> ResourceLeakDetector<T> newResourceLeakDetector(Class<T> resource, int samplingInterval,
				long maxActive) {
			return new ResourceLeakDetector<>(resource, samplingInterval) {

				@Override
				public ResourceLeakTracker<T> track(T obj) {
					tracked.increment();
					return super.track(obj);
				}

				@Override
				public ResourceLeakTracker<T> trackForcibly(T obj) {
					tracked.increment();
					return super.trackForcibly(obj);
				}

				@Override
				protected void reportTracedLeak(String resourceType, String records) {
					leaks.add(resourceType + records);
					super.reportTracedLeak(resourceType, records);
				}

				@Override
				protected void reportUntracedLeak(String resourceType) {
					leaks.add(resourceType);
					super.reportUntracedLeak(resourceType);
				}

			};
		}

	}

}
