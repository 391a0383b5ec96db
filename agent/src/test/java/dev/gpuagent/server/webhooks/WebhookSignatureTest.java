package dev.gpuagent.server.webhooks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class WebhookSignatureTest {
  @Test
  void standardWebhooksTestVector() {
    String signature = WebhookSignature.sign("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek",
        1614265330L, "{\"test\": 2432232314}".getBytes(StandardCharsets.UTF_8));
    assertEquals("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", signature);
  }

  @Test
  void anyChangedPartChangesTheSignature() {
    String secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    byte[] body = "{\"test\": 2432232314}".getBytes(StandardCharsets.UTF_8);
    String base = WebhookSignature.sign(secret, "msg_1", 1614265330L, body);
    assertNotEquals(base, WebhookSignature.sign(secret, "msg_2", 1614265330L, body));
    assertNotEquals(base, WebhookSignature.sign(secret, "msg_1", 1614265331L, body));
    assertNotEquals(base, WebhookSignature.sign(secret, "msg_1", 1614265330L, "{}".getBytes(StandardCharsets.UTF_8)));
    assertNotEquals(base, WebhookSignature.sign(WebhookSecrets.generate(), "msg_1", 1614265330L, body));
  }

  @Test
  void aSecretMustBeWhsecAndBase64() {
    byte[] body = new byte[0];
    assertThrows(IllegalArgumentException.class, () -> WebhookSignature.sign("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "m", 1, body));
    assertThrows(IllegalArgumentException.class, () -> WebhookSignature.sign("whsec_not base64!", "m", 1, body));
  }

  @Test
  void messageIdsAreStablePerEventAndDistinctAcrossEvents() {
    UUID run = UUID.fromString("0b9c5b1e-0000-4000-8000-000000000001");
    assertEquals("msg_0b9c5b1e000040008000000000000001_1", WebhookSignature.messageId(run, 1));
    assertNotEquals(WebhookSignature.messageId(run, 1), WebhookSignature.messageId(run, 2));
    assertTrue(WebhookSignature.messageId(run, 7).matches("msg_[0-9a-f]{32}_7"));
  }
}
