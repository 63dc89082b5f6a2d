package dev.smtpd.core.protocol;
enum DataStatus { OK, TOO_BIG, LINE_TOO_LONG, IO_ERROR }
