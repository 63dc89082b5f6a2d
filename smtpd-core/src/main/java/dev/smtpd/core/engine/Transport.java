package dev.smtpd.core.engine;

import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;

/**
 * The Netty transport the server runs on: native epoll where the library is on the class
 * path and loads, NIO otherwise. The epoll classes are referenced only after a class-path
 * check, so the optional dependency may be missing.
 */
enum Transport {

	EPOLL("epoll") {

		@Override
		IoHandlerFactory ioHandlerFactory() {
			return EpollIoHandler.newFactory();
		}

		@Override
		Class<? extends ServerChannel> serverChannel() {
			return EpollServerSocketChannel.class;
		}

	},

	NIO("nio") {

		@Override
		IoHandlerFactory ioHandlerFactory() {
			return NioIoHandler.newFactory();
		}

		@Override
		Class<? extends ServerChannel> serverChannel() {
			return NioServerSocketChannel.class;
		}

	};

	private final String displayName;

	Transport(String displayName) {
		this.displayName = displayName;
	}

	abstract IoHandlerFactory ioHandlerFactory();

	abstract Class<? extends ServerChannel> serverChannel();

	String displayName() {
		return this.displayName;
	}

	static Transport select(boolean preferNative) {
		return (preferNative && epollAvailable()) ? EPOLL : NIO;
	}

	private static boolean epollAvailable() {
		try {
			Class.forName("io.netty.channel.epoll.Epoll", false, Transport.class.getClassLoader());
			return Epoll.isAvailable();
		}
		catch (ClassNotFoundException | LinkageError ex) {
			return false;
		}
	}

}
