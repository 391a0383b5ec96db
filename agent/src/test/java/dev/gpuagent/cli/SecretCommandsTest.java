package dev.gpuagent.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gpuagent.server.identity.JdbcIdentityStore;
import dev.gpuagent.server.store.SqliteDatabase;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class SecretCommandsTest {
  @TempDir Path dir;

  private record Output(int exitCode, String stdout, String stderr) {}

  private static Output execute(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = Main.commandLine();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    int code = cli.execute(args);
    return new Output(code, out.toString(), err.toString());
  }

  private UUID authenticateKey(Path dataDir, String key) {
    try (SqliteDatabase db = SqliteDatabase.openDataDir(dataDir, Clock.systemUTC())) {
      return new JdbcIdentityStore(db, Clock.systemUTC()).authenticateApiKey(key).orElseThrow();
    }
  }

  @Test
  void keysCreatePrintsAKeyOnceThatAuthenticatesAsTheOrganisation() throws Exception {
    Path data = dir.resolve("data");
    Output first = execute("keys", "create", "--org", "acme", "--data-dir", data.toString());
    assertEquals(0, first.exitCode(), first.stderr());
    String key = first.stdout().strip();
    assertTrue(key.matches("gak_[0-9A-Za-z]{43}"), "stdout is the key alone");
    assertFalse(first.stderr().contains(key), "the note on stderr does not repeat the key");
    assertTrue(first.stderr().contains("organisation 'acme'"), first.stderr());
    assertTrue(first.stderr().contains(key.substring(0, 12)), "the note names the key by its prefix");

    Output second = execute("keys", "create", "--org", "acme", "--name", "ci", "--data-dir", data.toString());
    assertEquals(0, second.exitCode(), second.stderr());
    String other = second.stdout().strip();
    assertNotEquals(key, other);
    assertEquals(authenticateKey(data, key), authenticateKey(data, other), "both keys belong to the same organisation");

    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(data)));
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(data.resolve("gpu-agent.db"))));
  }

  @Test
  void tokensCreatePrintsAWorkerToken() {
    Path data = dir.resolve("data");
    Output result = execute("tokens", "create", "--name", "gpu-host-1", "--data-dir", data.toString());
    assertEquals(0, result.exitCode(), result.stderr());
    String token = result.stdout().strip();
    assertTrue(token.matches("gwt_[0-9A-Za-z]{43}"));
    assertFalse(result.stderr().contains(token));
    try (SqliteDatabase db = SqliteDatabase.openDataDir(data, Clock.systemUTC())) {
      var credential = new JdbcIdentityStore(db, Clock.systemUTC()).authenticateWorkerToken(token).orElseThrow();
      assertEquals("gpu-host-1", credential.name());
    }
  }

  @Test
  void keysCreateNeedsAnOrganisation() {
    Output result = execute("keys", "create", "--data-dir", dir.toString());
    assertEquals(2, result.exitCode());
    assertTrue(result.stderr().contains("--org"), result.stderr());
  }

  @Test
  void unusableDataFolderIsAClearError() throws Exception {
    Path file = Files.writeString(dir.resolve("not-a-folder"), "x");
    Output result = execute("tokens", "create", "--data-dir", file.toString());
    assertEquals(1, result.exitCode());
    assertTrue(result.stderr().startsWith("gpu-agent: "), result.stderr());
    assertEquals("", result.stdout());
  }

  @Test
  void realProcessPrintsOnlyTheKeyOnStdoutAndNeverLogsIt() throws Exception {
    var result = CliProcess.run(dir, "keys", "create", "--org", "acme");
    assertEquals(0, result.exitCode(), result.stderr());
    String key = result.stdout().strip();
    assertTrue(key.matches("gak_[0-9A-Za-z]{43}"), result.stdout());
    assertFalse(result.stderr().contains(key));
    assertTrue(Files.exists(dir.resolve("data/gpu-agent.db")), "the default data folder is ./data");
  }

  @Test
  void webhooksSecretPrintsTheOrganisationsSigningSecretTheSameEachTime() {
    Path data = dir.resolve("data");
    assertEquals(0, execute("keys", "create", "--org", "acme", "--data-dir", data.toString()).exitCode());
    Output first = execute("webhooks", "secret", "--org", "acme", "--data-dir", data.toString());
    assertEquals(0, first.exitCode(), first.stderr());
    String secret = first.stdout().strip();
    assertTrue(secret.matches("whsec_[A-Za-z0-9+/]{43}="), "stdout is the secret alone");
    assertFalse(first.stderr().contains(secret));
    assertEquals(secret, execute("webhooks", "secret", "--org", "acme", "--data-dir", data.toString()).stdout().strip());
    Output unknown = execute("webhooks", "secret", "--org", "nobody", "--data-dir", data.toString());
    assertEquals(1, unknown.exitCode());
    assertTrue(unknown.stderr().contains("no organisation named 'nobody'"), unknown.stderr());
  }
}
