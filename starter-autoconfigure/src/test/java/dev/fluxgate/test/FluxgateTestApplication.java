package dev.fluxgate.test;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;

/**
 * A bare application with full auto-configuration, started with {@code SpringApplicationBuilder} so that environment
 * post-processors (Fluxgate's defaults) run exactly as in a user's application.
 */
@SpringBootConfiguration(proxyBeanMethods = false)
@EnableAutoConfiguration
public class FluxgateTestApplication {

}
