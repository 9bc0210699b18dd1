package dev.fluxgate.test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A loopback TCP proxy to a real service that a test can cut: {@link #close()} drops every connection and stops
 * listening, so clients see the service vanish (an outage) without the real service being touched. With a connect
 * delay, each new connection is held that long before it is forwarded, so its handshake is slow (a slow but working
 * database); connections already open are not delayed.
 */
public final class TcpProxy implements AutoCloseable {

	private final ServerSocket serverSocket;

	private final String targetHost;

	private final int targetPort;

	private final Duration connectDelay;

	private final List<Socket> sockets = new CopyOnWriteArrayList<>();

	public TcpProxy(String targetHost, int targetPort) throws IOException {
		this(targetHost, targetPort, Duration.ZERO);
	}

	/**
	 * A proxy whose new connections are each forwarded only after a delay.
	 * @param targetHost the real service's host
	 * @param targetPort the real service's port
	 * @param connectDelay how long each new connection waits before it is forwarded; connections wait in parallel
	 * @throws IOException if the proxy cannot listen
	 */
	public TcpProxy(String targetHost, int targetPort, Duration connectDelay) throws IOException {
		this.targetHost = targetHost;
		this.targetPort = targetPort;
		this.connectDelay = connectDelay;
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
				this.sockets.add(client);
				daemon(() -> forward(client), "tcp-proxy-connect");
			}
			catch (IOException ex) {
				return;
			}
		}
	}

	private void forward(Socket client) {
		try {
			if (!this.connectDelay.isZero()) {
				Thread.sleep(this.connectDelay.toMillis());
			}
			if (this.serverSocket.isClosed()) {
				closeQuietly(client);
				return;
			}
			Socket target = new Socket(this.targetHost, this.targetPort);
			this.sockets.add(target);
			daemon(() -> pump(client, target), "tcp-proxy-up");
			daemon(() -> pump(target, client), "tcp-proxy-down");
		}
		catch (IOException ex) {
			closeQuietly(client);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			closeQuietly(client);
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
