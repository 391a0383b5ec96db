package dev.gpuagent.server.webhooks;

import dev.gpuagent.server.store.DataDirectory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Each organisation's webhook signing secret ({@code whsec_} + base64 of 32 random bytes), kept in
 * {@code DATA_DIR/webhook-secrets/<org-id>} (folder 0700, file 0600) and made on first use. Creation
 * is atomic (a fully written file is hard-linked into place), so the server and {@code gpu-agent
 * webhooks secret} agree on one secret even when both create it at once. Nothing logs a secret.
 */
public final class WebhookSecrets {
  static final String FOLDER = "webhook-secrets";
  private static final int SECRET_BYTES = 32;
  private static final SecureRandom RANDOM = new SecureRandom();

  private final Path folder;
  private final Map<UUID, String> cache = new ConcurrentHashMap<>();

  public WebhookSecrets(Path dataDir) {
    this.folder = Objects.requireNonNull(dataDir, "dataDir").resolve(FOLDER);
  }

  /** The organisation's secret, made now if it has none. */
  public String secret(UUID orgId) {
    Objects.requireNonNull(orgId, "orgId");
    return cache.computeIfAbsent(orgId, this::readOrCreate);
  }

  private String readOrCreate(UUID orgId) {
    Path file = folder.resolve(orgId.toString());
    try {
      if (Files.exists(file)) {
        return read(file);
      }
      DataDirectory.createDirectories(folder);
      Path temp = Files.createTempFile(folder, ".new-", ".tmp");
      try {
        restrict(temp);
        Files.writeString(temp, generate() + "\n", StandardCharsets.UTF_8);
        try {
          Files.createLink(file, temp);
        } catch (FileAlreadyExistsException raced) {
          // another process made it first: use theirs
        }
      } finally {
        Files.deleteIfExists(temp);
      }
      return read(file);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read or create the webhook secret of organisation " + orgId, e);
    }
  }

  private static String read(Path file) throws IOException {
    String secret = Files.readString(file, StandardCharsets.UTF_8).strip();
    if (!secret.startsWith(WebhookSignature.SECRET_PREFIX)) {
      throw new IOException("not a webhook secret: " + file);
    }
    return secret;
  }

  private static void restrict(Path file) throws IOException {
    if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    }
  }

  static String generate() {
    byte[] bytes = new byte[SECRET_BYTES];
    RANDOM.nextBytes(bytes);
    return WebhookSignature.SECRET_PREFIX + Base64.getEncoder().encodeToString(bytes);
  }
}
