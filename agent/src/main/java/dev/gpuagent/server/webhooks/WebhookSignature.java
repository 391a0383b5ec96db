package dev.gpuagent.server.webhooks;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Standard Webhooks signing: {@code webhook-signature: v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">}
 * keyed with the base64-decoded part of a {@code whsec_...} secret.
 */
public final class WebhookSignature {
  public static final String SECRET_PREFIX = "whsec_";
  public static final String HEADER_ID = "webhook-id";
  public static final String HEADER_TIMESTAMP = "webhook-timestamp";
  public static final String HEADER_SIGNATURE = "webhook-signature";

  private WebhookSignature() {}

  /** The {@code webhook-signature} value of one attempt. */
  public static String sign(String secret, String messageId, long timestampSeconds, byte[] body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key(secret), "HmacSHA256"));
      mac.update((messageId + "." + timestampSeconds + ".").getBytes(StandardCharsets.UTF_8));
      return "v1," + Base64.getEncoder().encodeToString(mac.doFinal(body));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is not available", e);
    }
  }

  /** The message id of a run's event: stable across retries and restarts, unique per event. */
  public static String messageId(UUID runId, long seq) {
    return "msg_" + runId.toString().replace("-", "") + "_" + seq;
  }

  private static byte[] key(String secret) {
    if (secret == null || !secret.startsWith(SECRET_PREFIX)) {
      throw new IllegalArgumentException("a webhook secret starts with " + SECRET_PREFIX);
    }
    try {
      return Base64.getDecoder().decode(secret.substring(SECRET_PREFIX.length()));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("a webhook secret is " + SECRET_PREFIX + " and base64", e);
    }
  }
}
