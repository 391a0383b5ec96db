package dev.gpuagent.server.store;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Keeps a connection's prepared statements for reuse, as PostgreSQL's driver does on its own:
 * preparing one of the store's statements costs SQLite about three times what running it does. The
 * wrapped connection hands out a cached statement for {@code prepareStatement(sql)}; the caller's
 * {@code close()} only clears its parameters. A statement already handed out and not yet closed is
 * not handed out twice (the second caller gets a fresh, uncached one). One thread at a time uses a
 * connection, as everywhere in the store.
 */
final class StatementCache {
  private StatementCache() {}

  /** {@code connection} with a cache of up to {@code capacity} statements (least recently used go). */
  static Connection wrap(Connection connection, int capacity) {
    return (Connection) Proxy.newProxyInstance(StatementCache.class.getClassLoader(),
        new Class<?>[] {Connection.class}, new ConnectionHandler(connection, capacity));
  }

  private static Object invoke(Object target, Method method, Object[] args) throws Throwable {
    try {
      return method.invoke(target, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }

  private static final class ConnectionHandler implements InvocationHandler {
    private final Connection connection;
    private final Map<String, CachedStatement> cache;

    ConnectionHandler(Connection connection, int capacity) {
      this.connection = connection;
      this.cache = new LinkedHashMap<>(16, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, CachedStatement> eldest) {
          if (size() <= capacity) {
            return false;
          }
          eldest.getValue().evict();
          return true;
        }
      };
    }

    @Override
    public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
      String name = method.getName();
      if (name.equals("prepareStatement") && args != null && args.length == 1) {
        return prepare((String) args[0]);
      }
      if (name.equals("close")) {
        cache.values().forEach(CachedStatement::closeQuietly);
        cache.clear();
      }
      return StatementCache.invoke(connection, method, args);
    }

    private PreparedStatement prepare(String sql) throws SQLException {
      CachedStatement cached = cache.get(sql);
      if (cached == null) {
        cached = new CachedStatement(connection.prepareStatement(sql));
        cache.put(sql, cached);
      } else if (cached.inUse) {
        return connection.prepareStatement(sql);
      }
      cached.inUse = true;
      return cached.proxy;
    }
  }

  private static final class CachedStatement implements InvocationHandler {
    final PreparedStatement statement;
    final PreparedStatement proxy;
    boolean inUse;
    boolean evicted;

    CachedStatement(PreparedStatement statement) {
      this.statement = statement;
      this.proxy = (PreparedStatement) Proxy.newProxyInstance(StatementCache.class.getClassLoader(),
          new Class<?>[] {PreparedStatement.class}, this);
    }

    @Override
    public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
      switch (method.getName()) {
        case "close" -> {
          inUse = false;
          if (evicted) {
            statement.close();
          } else {
            statement.clearParameters();
          }
          return null;
        }
        case "isClosed" -> {
          return !inUse;
        }
        default -> {
          return StatementCache.invoke(statement, method, args);
        }
      }
    }

    /** Out of the cache: closed now, or when its user closes it. */
    void evict() {
      evicted = true;
      if (!inUse) {
        closeQuietly();
      }
    }

    void closeQuietly() {
      try {
        statement.close();
      } catch (SQLException e) {
        // closing a statement of a closing connection: nothing to do
      }
    }
  }
}
