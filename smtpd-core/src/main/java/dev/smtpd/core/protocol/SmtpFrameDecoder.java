package dev.smtpd.core.protocol;
final class SmtpFrameDecoder extends io.netty.channel.ChannelInboundHandlerAdapter {
	SmtpFrameDecoder(int maxCommandLength, int lineLengthLimit) {}
	void startData(long sizeLimit, MessageBuffer buffer) {}
	void resume() {}
	int discardBuffered() { return 0; }
}
