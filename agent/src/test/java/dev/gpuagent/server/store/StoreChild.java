package dev.gpuagent.server.store;

import java.nio.file.Path;
import java.time.Clock;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A child JVM for the crash test: opens the store named by its arguments, then queues runs from
 * four threads forever, printing each run id only after {@code insert} returned (committed). The
 * parent kills it with {@code kill -9} at some point and checks every printed id.
 * Arguments: {@code sqlite DATA_DIR ORG_ID}.
 */
public final class StoreChild {
  private StoreChild() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 3 || !args[0].equals("sqlite")) {
      System.err.println("usage: StoreChild sqlite DATA_DIR ORG_ID");
      System.exit(2);
    }
    UUID org = UUID.fromString(args[2]);
    Stores stores = Stores.openSqlite(Path.of(args[1]), Clock.systemUTC());
    System.out.println("ready");
    System.out.flush();
    try (ExecutorService pool = Executors.newFixedThreadPool(4)) {
      for (int t = 0; t < 4; t++) {
        pool.submit(() -> {
          while (true) {
            Run run = stores.runs().insert(NewRun.of(org, null, StoreContractTest.WORKFLOW));
            synchronized (System.out) {
              System.out.println(run.id());
              System.out.flush();
            }
          }
        });
      }
    }
  }
}
