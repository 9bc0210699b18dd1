package dev.fluxgate.test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A loopback TCP server that accepts connections and never answers: the dependency that hangs. Closing it closes
 * every accepted connection.
 */
public final class HungServer implements AutoCloseable {

	private final ServerSocket serverSocket;

	private final List<Socket> accepted = new CopyOnWriteArrayList<>();

	private final Thread acceptor;

	public HungServer() throws IOException {
		this.serverSocket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
		this.acceptor = new Thread(this::acceptForever, "hung-server");
		this.acceptor.setDaemon(true);
		this.acceptor.start();
	}

	private void acceptForever() {
		while (!this.serverSocket.isClosed()) {
			try {
				this.accepted.add(this.serverSocket.accept());
			}
			catch (IOException ex) {
				return;
			}
		}
	}

	public String url() {
		return "http://127.0.0.1:" + this.serverSocket.getLocalPort();
	}

	public int acceptedConnections() {
		return this.accepted.size();
	}

	@Override
	public void close() throws IOException {
		this.serverSocket.close();
		for (Socket socket : this.accepted) {
			socket.close();
		}
	}

}
