package dev.gpuagent.server.http;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Expiring links that work without a bearer header, as S3 presigned URLs do: {@code
 * PATH?expires=UNIX_SECONDS&signature=BASE64URL(HMAC-SHA256(secret, METHOD \n PATH \n EXPIRES))}.
 * {@code PATH} is the raw (percent-encoded) path exactly as it appears in the URL; other query
 * parameters are not signed and must not change what is served. A HEAD request is checked as the GET
 * it stands for. Signatures are compared in constant time; a bad or expired one is 403.
 */
public final class SignedUrls {
  /** Secrets shorter than this are refused (HMAC-SHA256 gains nothing past 32 bytes). */
  public static final int MIN_SECRET_BYTES = 32;

  private static final String ALGORITHM = "HmacSHA256";

  /** The outcome of a check. */
  public enum Verdict { VALID, INVALID, EXPIRED }

  private final SecretKeySpec key;
  private final Clock clock;

  public SignedUrls(byte[] secret, Clock clock) {
    if (secret == null || secret.length < MIN_SECRET_BYTES) {
      throw new IllegalArgumentException(
          "a URL signing secret needs at least " + MIN_SECRET_BYTES + " bytes");
    }
    this.key = new SecretKeySpec(secret.clone(), ALGORITHM);
    this.clock = clock;
    mac(); // fail now, not at the first download, if HMAC-SHA256 is missing
  }

  /** A fresh random secret of 32 bytes. */
  public static byte[] newSecret() {
    byte[] secret = new byte[MIN_SECRET_BYTES];
    new SecureRandom().nextBytes(secret);
    return secret;
  }

  /** {@code path?expires=...&signature=...}, valid for {@code ttl} from now. */
  public String sign(String method, String rawPath, Duration ttl) {
    if (rawPath.indexOf('?') >= 0 || rawPath.indexOf('#') >= 0 || !rawPath.startsWith("/")) {
      throw new IllegalArgumentException("sign a path without query or fragment: " + rawPath);
    }
    long expires = clock.instant().plus(ttl).getEpochSecond();
    return rawPath + "?expires=" + expires + "&signature=" + signature(method, rawPath, expires);
  }

  /** Checks a signature; a HEAD is checked as GET. Never throws on bad input. */
  public Verdict verify(String method, String rawPath, String expires, String signature) {
    if (expires == null || signature == null) {
      return Verdict.INVALID;
    }
    long expiresAt;
    byte[] given;
    try {
      expiresAt = Long.parseLong(expires);
      given = Base64.getUrlDecoder().decode(signature);
    } catch (IllegalArgumentException e) {
      return Verdict.INVALID;
    }
    byte[] expected = Base64.getUrlDecoder().decode(signature(method, rawPath, expiresAt));
    if (!MessageDigest.isEqual(expected, given)) {
      return Verdict.INVALID;
    }
    return clock.instant().isAfter(Instant.ofEpochSecond(expiresAt)) ? Verdict.EXPIRED : Verdict.VALID;
  }

  /** Returns if the request carries a valid signature for its method and path; else 403. */
  public void require(Request request) {
    Verdict verdict =
        verify(
            request.method(),
            request.path(),
            request.queryParam("expires").orElse(null),
            request.queryParam("signature").orElse(null));
    switch (verdict) {
      case VALID -> {}
      case EXPIRED -> throw ApiException.forbidden("signed URL has expired");
      case INVALID -> throw ApiException.forbidden("invalid URL signature");
    }
  }

  private String signature(String method, String rawPath, long expires) {
    String canonical = (method.equals("HEAD") ? "GET" : method) + "\n" + rawPath + "\n" + expires;
    byte[] digest = mac().doFinal(canonical.getBytes(StandardCharsets.UTF_8));
    return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
  }

  private Mac mac() {
    try {
      Mac mac = Mac.getInstance(ALGORITHM);
      mac.init(key);
      return mac;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HMAC-SHA256 is unavailable", e);
    }
  }
}
