package dev.gpuagent.server.identity;

import java.util.Objects;
import java.util.UUID;

/**
 * A key or token just created: its id, identifying prefix, and the plaintext, which exists only in
 * this object (the store keeps a hash). Print it once; {@link #toString()} leaves it out so that a
 * log line or exception message never carries it.
 */
public record IssuedSecret(UUID id, SecretKind kind, String prefix, String plaintext) {
  public IssuedSecret {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(prefix, "prefix");
    Objects.requireNonNull(plaintext, "plaintext");
  }

  @Override
  public String toString() {
    return "IssuedSecret[id=" + id + ", kind=" + kind + ", prefix=" + prefix + ", plaintext=<redacted>]";
  }
}
