package dev.gpuagent.server.store;

import java.sql.Connection;
import java.sql.SQLException;

/** A unit of work on one connection, run inside one transaction by a {@link Database}. */
@FunctionalInterface
public interface SqlWork<T> {
  T run(Connection connection) throws SQLException;
}
