package dev.smtpd.core.engine;

import dev.smtpd.core.handler.MailOptions;

record MailArgument(String address, MailOptions options) {
}
