package dev.fluxgate.autoconfigure.doctor;

/**
 * How many connections a database accepts from applications, read from the database itself.
 *
 * @param product the database product and version, such as {@code PostgreSQL 16.4}
 * @param maxConnections {@code max_connections}
 * @param superuserReserved {@code superuser_reserved_connections}
 * @param reserved {@code reserved_connections} (PostgreSQL 16 and later; 0 before)
 */
public record DatabaseLimits(String product, int maxConnections, int superuserReserved, int reserved) {

	/**
	 * Connections left for ordinary roles such as the application's.
	 * @return max minus both reservations
	 */
	public int available() {
		return this.maxConnections - this.superuserReserved - this.reserved;
	}

}
