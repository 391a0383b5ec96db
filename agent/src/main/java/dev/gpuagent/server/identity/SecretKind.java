package dev.gpuagent.server.identity;

/** The two kinds of secret, told apart by their prefix (and stored in different tables). */
public enum SecretKind {
  /** Authenticates an organisation's calls to the public API. */
  API_KEY("gak_"),
  /** Authenticates a worker on the worker endpoints. */
  WORKER_TOKEN("gwt_");

  private final String prefix;

  SecretKind(String prefix) {
    this.prefix = prefix;
  }

  /** The fixed start of every secret of this kind ({@code gak_}, {@code gwt_}). */
  public String prefix() {
    return prefix;
  }
}
