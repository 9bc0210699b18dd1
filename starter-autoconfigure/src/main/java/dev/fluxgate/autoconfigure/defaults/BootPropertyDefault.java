package dev.fluxgate.autoconfigure.defaults;

/**
 * A value Fluxgate installs, at the lowest precedence, for a property that Spring Boot owns.
 *
 * @param property the Boot property name
 * @param value the value Fluxgate installs
 * @param bootDefault what Boot (or the library beneath it) does when the property is not set
 * @param reason the failure the value prevents
 */
public record BootPropertyDefault(String property, String value, String bootDefault, String reason) {

}
