package dev.gpuagent.server.identity;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * Secret strings: {@code gak_} or {@code gwt_} followed by 43 base62 characters (256 bits from
 * {@link SecureRandom}). A secret is stored as the hex SHA-256 of the whole string (no salt or slow
 * hash is needed at that entropy) plus its first 12 characters, which identify it in listings and
 * select the row to compare against.
 */
public final class Secrets {
  static final String ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  /** Base62 characters after the kind prefix: 43 * log2(62) = 256.0 bits. */
  public static final int BODY_LENGTH = 43;
  /** The length of the stored identifying prefix: the kind prefix and 8 characters. */
  public static final int PREFIX_LENGTH = 12;

  private Secrets() {}

  /** A new secret of {@code kind}. */
  public static String generate(SecretKind kind, SecureRandom random) {
    StringBuilder secret = new StringBuilder(kind.prefix().length() + BODY_LENGTH).append(kind.prefix());
    for (int i = 0; i < BODY_LENGTH; i++) {
      secret.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
    }
    return secret.toString();
  }

  /** Whether {@code presented} has the shape of a secret of {@code kind} (checked before any lookup). */
  public static boolean wellFormed(SecretKind kind, String presented) {
    if (presented == null || presented.length() != kind.prefix().length() + BODY_LENGTH
        || !presented.startsWith(kind.prefix())) {
      return false;
    }
    for (int i = kind.prefix().length(); i < presented.length(); i++) {
      if (ALPHABET.indexOf(presented.charAt(i)) < 0) {
        return false;
      }
    }
    return true;
  }

  /** The identifying prefix stored beside the hash ({@code gak_AbCd1234}). */
  public static String prefix(String secret) {
    return secret.substring(0, PREFIX_LENGTH);
  }

  /** The hex SHA-256 of the secret's UTF-8 bytes. */
  public static String hash(String secret) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JDK", e);
    }
  }

  /** Compares two hex hashes in time that does not depend on where they differ. */
  public static boolean sameHash(String a, String b) {
    return MessageDigest.isEqual(a.getBytes(StandardCharsets.US_ASCII), b.getBytes(StandardCharsets.US_ASCII));
  }
}
