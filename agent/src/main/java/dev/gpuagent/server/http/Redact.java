package dev.gpuagent.server.http;

/** How a credential may appear in a log line: at most a short prefix, never the secret. */
public final class Redact {
  private Redact() {}

  /** {@code abcd...(redacted)} for a long token, {@code (redacted)} for a short one. */
  public static String token(String token) {
    if (token == null || token.length() < 16) {
      return "(redacted)";
    }
    return token.substring(0, 4) + "...(redacted)";
  }
}
