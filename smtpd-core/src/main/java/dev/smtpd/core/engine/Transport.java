package dev.smtpd.core.engine;

import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Path;

import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerDomainSocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;

/**
 * The Netty transport the server runs on: native epoll where the library is on the class
 * path and loads, NIO otherwise. The epoll classes are referenced only after a class-path
 * check, so the optional dependency may be missing. Both serve Unix domain sockets on the
 * same event loops as TCP: epoll natively, NIO through the JDK's Unix domain channels
 * (Java 16+).
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

		@Override
		Class<? extends ServerChannel> serverDomainSocketChannel() {
			return EpollServerDomainSocketChannel.class;
		}

		@Override
		SocketAddress domainSocketAddress(Path path) {
			return new DomainSocketAddress(path.toFile());
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

		@Override
		Class<? extends ServerChannel> serverDomainSocketChannel() {
			return NioServerDomainSocketChannel.class;
		}

		@Override
		SocketAddress domainSocketAddress(Path path) {
			return UnixDomainSocketAddress.of(path);
		}

	};

	private final String displayName;

	Transport(String displayName) {
		this.displayName = displayName;
	}

	abstract IoHandlerFactory ioHandlerFactory();

	abstract Class<? extends ServerChannel> serverChannel();

	abstract Class<? extends ServerChannel> serverDomainSocketChannel();

	abstract SocketAddress domainSocketAddress(Path path);

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
