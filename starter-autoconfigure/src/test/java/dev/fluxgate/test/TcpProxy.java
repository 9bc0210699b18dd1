package dev.fluxgate.test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A loopback TCP proxy to a real service that a test can cut: {@link #close()} drops every connection and stops
 * listening, so clients see the service vanish (an outage) without the real service being touched.
 */
public final class TcpProxy implements AutoCloseable {

	private final ServerSocket serverSocket;

	private final String targetHost;

	private final int targetPort;

	private final List<Socket> sockets = new CopyOnWriteArrayList<>();

	public TcpProxy(String targetHost, int targetPort) throws IOException {
		this.targetHost = targetHost;
		this.targetPort = targetPort;
		this.serverSocket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
		daemon(this::acceptForever, "tcp-proxy-accept");
	}

	public int port() {
		return this.serverSocket.getLocalPort();
	}

	private void acceptForever() {
		while (!this.serverSocket.isClosed()) {
			try {
				Socket client = this.serverSocket.accept();
				Socket target = new Socket(this.targetHost, this.targetPort);
				this.sockets.add(client);
				this.sockets.add(target);
				daemon(() -> pump(client, target), "tcp-proxy-up");
				daemon(() -> pump(target, client), "tcp-proxy-down");
			}
			catch (IOException ex) {
				return;
			}
		}
	}

	private static void pump(Socket from, Socket to) {
		byte[] buffer = new byte[8192];
		try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
			int read;
			while ((read = in.read(buffer)) != -1) {
				out.write(buffer, 0, read);
				out.flush();
			}
		}
		catch (IOException ex) {
			// Connection cut: the other pump ends too.
		}
		finally {
			closeQuietly(from);
			closeQuietly(to);
		}
	}

	private static void daemon(Runnable task, String name) {
		Thread thread = new Thread(task, name);
		thread.setDaemon(true);
		thread.start();
	}

	private static void closeQuietly(Socket socket) {
		try {
			socket.close();
		}
		catch (IOException ex) {
			// already closed
		}
	}

	@Override
	public void close() throws IOException {
		this.serverSocket.close();
		this.sockets.forEach(TcpProxy::closeQuietly);
	}

}
