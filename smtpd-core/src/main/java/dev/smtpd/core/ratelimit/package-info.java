/**
 * The built-in {@link dev.smtpd.core.handler.RateLimiter}: token buckets in memory,
 * bounded, on Bucket4j.
 */
@NullMarked
package dev.smtpd.core.ratelimit;

import org.jspecify.annotations.NullMarked;
