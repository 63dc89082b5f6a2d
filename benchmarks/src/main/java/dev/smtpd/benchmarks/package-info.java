/**
 * Load tools for the benchmark against smtp-sink: a sink server, load generators and
 * scenario runners.
 */
@NullMarked
package dev.smtpd.benchmarks;

import org.jspecify.annotations.NullMarked;
