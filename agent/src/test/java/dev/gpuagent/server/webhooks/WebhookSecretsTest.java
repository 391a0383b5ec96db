package dev.gpuagent.server.webhooks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WebhookSecretsTest {
  @TempDir Path dir;

  @Test
  void aSecretIsMadeOnceOwnerOnlyAndReadBackByAnyone() throws Exception {
    UUID org = UUID.randomUUID();
    Path data = dir.resolve("data");
    String secret = new WebhookSecrets(data).secret(org);
    assertTrue(secret.startsWith("whsec_"), secret.substring(0, 6));
    assertEquals(32, Base64.getDecoder().decode(secret.substring(6)).length);
    assertEquals(secret, new WebhookSecrets(data).secret(org), "another process reads the same secret");
    Path file = data.resolve("webhook-secrets").resolve(org.toString());
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file.getParent())));
    try (var listing = Files.list(file.getParent())) {
      assertEquals(1, listing.count(), "no temporary file is left behind");
    }
    assertNotEquals(secret, new WebhookSecrets(data).secret(UUID.randomUUID()), "each organisation has its own");
  }

  @Test
  void concurrentCreatorsAgreeOnOneSecret() throws Exception {
    UUID org = UUID.randomUUID();
    var pool = java.util.concurrent.Executors.newFixedThreadPool(8);
    try {
      var futures = new java.util.ArrayList<java.util.concurrent.Future<String>>();
      for (int i = 0; i < 16; i++) {
        futures.add(pool.submit(() -> new WebhookSecrets(dir).secret(org)));
      }
      String first = futures.get(0).get();
      for (var future : futures) {
        assertEquals(first, future.get());
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
