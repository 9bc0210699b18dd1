package dev.fluxgate.test;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A Redis server of the test's own, on a free loopback port, that the test may stop, restart, pause or reconfigure
 * without touching the shared Redis other tests use at the same time: {@code redis-server --port <free> --save ""
 * --appendonly no}. Stopping it closes every client connection, as an outage does; restarting brings it back on the
 * same port, empty.
 * <p>
 * The test is skipped when {@code redis-server} is not on the {@code PATH}, except with {@code CI=true}, where that
 * fails it.
 */
public final class LocalRedisServer implements AutoCloseable {

	private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(20);

	private final String binary;

	private final int port;

	private final Path log;

	private final Thread killOnExit = new Thread(this::kill, "local-redis-server-kill");

	private volatile Process process;

	private LocalRedisServer(String binary, int port) throws IOException {
		this.binary = binary;
		this.port = port;
		this.log = Files.createTempFile("redis-server-" + port + "-", ".log");
		Runtime.getRuntime().addShutdownHook(this.killOnExit);
	}

	/**
	 * Start a server on a free port and wait until it answers {@code PING}.
	 * @return the running server
	 */
	public static LocalRedisServer start() {
		String binary = findBinary();
		if (binary == null) {
			return TestServices.skipOrFail("redis-server is not on the PATH: install Redis (Debian: apt-get install "
					+ "redis-server) to run the tests that stop and restart a Redis of their own");
		}
		try {
			LocalRedisServer server = new LocalRedisServer(binary, freePort());
			server.restart();
			return server;
		}
		catch (IOException ex) {
			throw new IllegalStateException("Could not start redis-server", ex);
		}
	}

	public String host() {
		return "127.0.0.1";
	}

	public int port() {
		return this.port;
	}

	/**
	 * Spring Boot properties that point Spring Data Redis at this server.
	 * @return {@code name=value} pairs
	 */
	public String[] properties() {
		return new String[] { "spring.data.redis.host=" + host(), "spring.data.redis.port=" + this.port };
	}

	/**
	 * Stop the server (SIGTERM) and wait until it has exited: every client connection is closed.
	 */
	public void stop() {
		Process running = this.process;
		if (running == null) {
			return;
		}
		running.destroy();
		try {
			if (!running.waitFor(10, TimeUnit.SECONDS)) {
				running.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		this.process = null;
	}

	/**
	 * Start the server again on the same port, empty, and wait until it answers {@code PING}.
	 * @throws IOException if it cannot be started
	 */
	public void restart() throws IOException {
		stop();
		ProcessBuilder builder = new ProcessBuilder(this.binary, "--port", String.valueOf(this.port), "--bind",
				host(), "--save", "", "--appendonly", "no", "--dir", System.getProperty("java.io.tmpdir"))
			.redirectErrorStream(true)
			.redirectOutput(ProcessBuilder.Redirect.appendTo(this.log.toFile()));
		this.process = builder.start();
		long deadline = System.nanoTime() + STARTUP_TIMEOUT.toNanos();
		while (!answersPing()) {
			if (!this.process.isAlive() || System.nanoTime() > deadline) {
				stop();
				throw new IOException("redis-server did not start on port " + this.port + ": "
						+ String.join(" | ", tail(Files.readAllLines(this.log, StandardCharsets.UTF_8))));
			}
			sleep(20);
		}
	}

	/**
	 * Whether the server answers {@code PING} now.
	 * @return {@code true} when it is up
	 */
	public boolean answersPing() {
		try (Socket socket = new Socket()) {
			socket.connect(new InetSocketAddress(host(), this.port), 500);
			socket.setSoTimeout(1000);
			OutputStream out = socket.getOutputStream();
			out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
			out.flush();
			InputStream in = socket.getInputStream();
			byte[] reply = new byte[5];
			int read = in.readNBytes(reply, 0, reply.length);
			return read == 5 && "+PONG".equals(new String(reply, StandardCharsets.US_ASCII));
		}
		catch (IOException ex) {
			return false;
		}
	}

	@Override
	public void close() {
		stop();
		try {
			Runtime.getRuntime().removeShutdownHook(this.killOnExit);
			Files.deleteIfExists(this.log);
		}
		catch (IllegalStateException | IOException ex) {
			// The JVM is exiting, or the log is already gone.
		}
	}

	private void kill() {
		Process running = this.process;
		if (running != null) {
			running.destroyForcibly();
		}
	}

	private static String findBinary() {
		String path = System.getenv("PATH");
		List<String> directories = List.of(((path != null) ? path : "").split(File.pathSeparator));
		for (String directory : directories) {
			File candidate = new File(directory, "redis-server");
			if (candidate.canExecute()) {
				return candidate.getAbsolutePath();
			}
		}
		return null;
	}

	private static int freePort() throws IOException {
		try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
			return socket.getLocalPort();
		}
	}

	private static List<String> tail(List<String> lines) {
		return lines.subList(Math.max(0, lines.size() - 5), lines.size());
	}

	private static void sleep(long millis) {
		try {
			Thread.sleep(millis);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

}
