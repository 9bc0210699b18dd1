package dev.fluxgate.sample;

import java.util.Map;

import reactor.core.publisher.Flux;

import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The catalogue, read through R2DBC: bounded by Fluxgate's pool limits and statement timeout.
 */
@RestController
class CatalogController {

	private final DatabaseClient databaseClient;

	CatalogController(DatabaseClient databaseClient) {
		this.databaseClient = databaseClient;
	}

	@GetMapping("/catalog")
	Flux<Map<String, Object>> catalog() {
		return this.databaseClient.sql("SELECT id, name, price FROM product ORDER BY id").fetch().all();
	}

}
