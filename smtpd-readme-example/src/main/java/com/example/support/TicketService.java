package com.example.support;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.stereotype.Service;

@Service
public class TicketService {

	private static final Logger logger = LoggerFactory.getLogger(TicketService.class);

	public void open(String from, String message) {
		logger.info("New ticket from {} ({} characters)", from, message.length());
	}

}
