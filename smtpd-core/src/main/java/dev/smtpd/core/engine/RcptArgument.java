package dev.smtpd.core.engine;

import dev.smtpd.core.handler.RcptOptions;

record RcptArgument(String address, RcptOptions options) {
}
