package dev.smtpd.core.engine;

enum DataStatus {

	OK, TOO_BIG, LINE_TOO_LONG, IO_ERROR

}
