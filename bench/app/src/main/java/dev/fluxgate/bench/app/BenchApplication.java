package dev.fluxgate.bench.app;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * The smallest WebFlux service worth measuring. It never refers to Fluxgate, so the same classes run with and
 * without the starter on the classpath: the only difference between the two is what adding the dependency changes.
 */
@SpringBootApplication
public class BenchApplication {

	public static void main(String[] args) {
		SpringApplication.run(BenchApplication.class, args);
	}

}
