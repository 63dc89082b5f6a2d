/**
 * What a running server tells the outside: events for metrics and tracing, and snapshots
 * of live sessions for management endpoints.
 */
@NullMarked
package dev.smtpd.core.event;

import org.jspecify.annotations.NullMarked;
