package dev.gpuagent.server.store;

/** The store could not do what was asked (I/O, a corrupt or newer database, a closed store). */
public final class StoreException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public StoreException(String message) {
    super(message);
  }

  public StoreException(String message, Throwable cause) {
    super(message, cause);
  }
}
