package dev.gpuagent.cli;

import dev.gpuagent.server.identity.IdentityStore;
import dev.gpuagent.server.identity.JdbcIdentityStore;
import dev.gpuagent.server.store.SqliteDatabase;
import dev.gpuagent.server.store.StoreException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.util.function.Function;
import picocli.CommandLine;

/**
 * What {@code keys create} and {@code tokens create} share: open the store in the data folder, issue
 * one secret, print it alone on stdout (so {@code KEY=$(gpu-agent keys create ...)} works) and a note
 * about it on stderr. The secret goes nowhere else: not to a log, not to a file.
 */
final class SecretCommands {
  static final int EXIT_FAILED = 1;

  private SecretCommands() {}

  /** Runs {@code issue} against the identity store; it prints through {@code out}/{@code err}. */
  static int withIdentity(CommandLine cli, Path dataDir, Function<IdentityStore, String> issue) {
    PrintWriter out = cli.getOut();
    PrintWriter err = cli.getErr();
    Clock clock = Clock.systemUTC();
    try (SqliteDatabase db = SqliteDatabase.openDataDir(dataDir, clock)) {
      String note = issue.apply(new JdbcIdentityStore(db, clock));
      err.println(note);
      err.flush();
      out.flush();
      return 0;
    } catch (StoreException | IllegalArgumentException e) {
      err.println("gpu-agent: " + e.getMessage());
      err.flush();
      return EXIT_FAILED;
    }
  }
}
