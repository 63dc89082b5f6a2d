package dev.smtpd.core.protocol;
record RcptArgument(String address, RcptOptions options) {}
