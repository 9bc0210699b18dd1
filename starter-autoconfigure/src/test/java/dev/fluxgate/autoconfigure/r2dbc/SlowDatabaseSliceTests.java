package dev.fluxgate.autoconfigure.r2dbc;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;

import dev.fluxgate.test.TcpProxy;
import dev.fluxgate.test.TestServices;
import io.r2dbc.pool.ConnectionPool;
import io.r2dbc.spi.ConnectionFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.data.r2dbc.test.autoconfigure.DataR2dbcTest;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A {@code @DataR2dbcTest} slice gets Fluxgate's environment defaults but none of its auto-configuration, so its pool
 * is Boot's own. Against a slow but working database (PostgreSQL behind a proxy that holds every new connection for
 * 2.5 s) the slice starts, runs its schema script and passes, as it does without Fluxgate.
 */
@DataR2dbcTest
class SlowDatabaseSliceTests {

	private static final String TABLE = "fluxgate_slice_" + UUID.randomUUID().toString().replace("-", "");

	private static TcpProxy proxy;

	private static Path schema;

	@Autowired
	private DatabaseClient databaseClient;

	@Autowired
	private ConnectionFactory connectionFactory;

	@DynamicPropertySource
	static void slowDatabase(DynamicPropertyRegistry registry) throws IOException {
		TestServices.Postgres postgres = TestServices.postgres();
		proxy = new TcpProxy(postgres.host(), postgres.port(), Duration.ofMillis(2500));
		schema = Files.createTempFile("fluxgate-slice-schema", ".sql");
		Files.writeString(schema,
				"CREATE TABLE " + TABLE + " (id INT PRIMARY KEY, name VARCHAR(40));\nINSERT INTO " + TABLE
						+ " VALUES (1, 'one');\n");
		registry.add("spring.r2dbc.url",
				() -> "r2dbc:postgresql://127.0.0.1:" + proxy.port() + "/" + postgres.database());
		registry.add("spring.r2dbc.username", postgres::username);
		registry.add("spring.r2dbc.password", postgres::password);
		registry.add("spring.sql.init.mode", () -> "always");
		registry.add("spring.sql.init.schema-locations", () -> "file:" + schema);
	}

	@AfterAll
	static void dropTableAndProxy() throws IOException {
		try {
			SlowDatabaseTests.dropTable(TABLE);
		}
		finally {
			proxy.close();
			Files.deleteIfExists(schema);
		}
	}

	@Test
	void sliceUsesBootsOwnPool() {
		assertThat(this.connectionFactory).isExactlyInstanceOf(ConnectionPool.class);
	}

	@Test
	void schemaScriptRan() {
		Long rows = this.databaseClient.sql("SELECT count(*) FROM " + TABLE + " WHERE id = 1")
			.map((row) -> row.get(0, Long.class))
			.one()
			.block(Duration.ofSeconds(60));
		assertThat(rows).isEqualTo(1L);
	}

	@Test
	void insertsAndReadsBack() {
		int id = 1000 + (int) (Math.random() * 100_000);
		this.databaseClient.sql("INSERT INTO " + TABLE + " VALUES (:id, 'inserted')")
			.bind("id", id)
			.then()
			.block(Duration.ofSeconds(60));
		String name = this.databaseClient.sql("SELECT name FROM " + TABLE + " WHERE id = :id")
			.bind("id", id)
			.map((row) -> row.get(0, String.class))
			.one()
			.block(Duration.ofSeconds(60));
		assertThat(name).isEqualTo("inserted");
	}

	@Test
	void concurrentQueriesWaitForTheWarmUp() {
		Long total = reactor.core.publisher.Flux.range(0, 4)
			.flatMap((i) -> this.databaseClient.sql("SELECT 1 FROM pg_sleep(0.3)").map((row) -> 1L).one())
			.reduce(0L, Long::sum)
			.block(Duration.ofSeconds(60));
		assertThat(total).isEqualTo(4L);
	}

	/** An application class as users have: the slice turns its full auto-configuration off. */
	@SpringBootConfiguration(proxyBeanMethods = false)
	@EnableAutoConfiguration
	static class SliceConfiguration {

	}

}
