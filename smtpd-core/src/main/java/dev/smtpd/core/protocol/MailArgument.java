package dev.smtpd.core.protocol;
record MailArgument(String address, MailOptions options) {}
