package dev.gpuagent.server.dispatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.gpuagent.protocol.Protocol;
import dev.gpuagent.protocol.ProtocolCodec;
import dev.gpuagent.protocol.SlotInfo;
import dev.gpuagent.protocol.WorkerMessage;
import dev.gpuagent.server.identity.JdbcIdentityStore;
import dev.gpuagent.server.store.NewRun;
import dev.gpuagent.server.store.Run;
import dev.gpuagent.server.store.RunStatus;
import dev.gpuagent.server.store.RunStore;
import dev.gpuagent.server.store.Stores;
import io.netty.channel.embedded.EmbeddedChannel;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dispatcher sends a lease only once its claim is committed: what happens to a slot while the
 * claim is in flight. The store's claim is held back by the test until it lets it go.
 */
class HeldClaimTest {
  @TempDir Path dir;
  private Stores stores;
  private RunDispatcher dispatcher;
  private UUID org;
  private final CountDownLatch release = new CountDownLatch(1);
  private final CountDownLatch claimed = new CountDownLatch(1);
  private final ProtocolCodec codec = new ProtocolCodec(Protocol.DEFAULT_MAX_FRAME_BYTES);

  @BeforeEach
  void open() {
    stores = Stores.openSqlite(dir, Clock.systemUTC());
    org = new JdbcIdentityStore(stores.database(), Clock.systemUTC()).createOrganisation("acme").id();
    dispatcher = new RunDispatcher(heldClaims(stores.runs()), DispatchSettings.defaults(), Clock.systemUTC(), null);
    dispatcher.start();
  }

  @AfterEach
  void close() {
    release.countDown();
    dispatcher.close();
    stores.close();
  }

  /** The run store, with each claim's answer held until {@code release}. */
  private RunStore heldClaims(RunStore runs) {
    return (RunStore) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {RunStore.class},
        (proxy, method, args) -> {
          Object answer;
          try {
            answer = method.isDefault() ? java.lang.reflect.InvocationHandler.invokeDefault(proxy, method, args)
                : method.invoke(runs, args);
          } catch (java.lang.reflect.InvocationTargetException e) {
            throw e.getCause();
          }
          if (method.getName().equals("claimNextAsync")) {
            claimed.countDown();
            return ((CompletableFuture<?>) answer).thenApplyAsync(x -> {
              awaitRelease();
              return x;
            });
          }
          return answer;
        });
  }

  private void awaitRelease() {
    try {
      release.await(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Test
  void aClaimAnsweredAfterItsWorkerLeftPutsTheRunBackInTheQueue() throws Exception {
    EmbeddedChannel channel = new EmbeddedChannel();
    WorkerConnection conn = connect(channel);
    Run run = queue();
    assertEquals(true, claimed.await(5, TimeUnit.SECONDS), "the free slot's claim went to the store");
    awaitStatus(run.id(), RunStatus.STARTED); // committed; its answer is held

    dispatcher.disconnected(conn); // the worker leaves while its slot's claim is being committed
    dispatcher.call(() -> null);
    release.countDown();

    Run back = awaitStatus(run.id(), RunStatus.QUEUED);
    assertEquals("re-queued: the slot went away", back.liveStatus());
    assertNull(back.machineId());
    assertEquals(1, back.fencingToken(), "it was leased once (token 1), then handed back");
    dispatcher.call(() -> null);
    channel.runPendingTasks();
    Object frame;
    while ((frame = channel.readOutbound()) != null) {
      String text = ((io.netty.handler.codec.http.websocketx.TextWebSocketFrame) frame).text();
      assertEquals(false, text.contains("\"type\":\"lease\""), "no lease reached the departed worker: " + text);
    }
  }

  @Test
  void aSlotWithAClaimInFlightIsNotClaimedTwice() throws Exception {
    connect(new EmbeddedChannel());
    Run first = queue();
    assertEquals(true, claimed.await(5, TimeUnit.SECONDS));
    Run second = queue();
    dispatcher.call(() -> null);
    release.countDown();

    awaitStatus(first.id(), RunStatus.STARTED);
    dispatcher.call(() -> null);
    assertEquals(RunStatus.QUEUED, stores.runs().find(second.id()).orElseThrow().status(),
        "the one slot holds one lease; the second run waits");
    assertNull(stores.runs().find(second.id()).orElseThrow().machineId());
  }

  /** A worker with one CPU slot, said hello on {@code channel}. */
  private WorkerConnection connect(EmbeddedChannel channel) {
    WorkerConnection conn = new WorkerConnection(channel, codec, UUID.randomUUID());
    dispatcher.frame(conn, codec.encode(new WorkerMessage.Hello(Protocol.VERSION, "w1", "test", Map.of(),
        List.of(SlotInfo.cpu("cpu0")), List.of())).getBytes(StandardCharsets.UTF_8));
    return conn;
  }

  /** A run inserted in the store and told to the dispatcher, as the API's two-commit path does. */
  private Run queue() {
    Run run = stores.runs().insert(NewRun.of(org, null, "{\"1\":{\"class_type\":\"EmptyImage\",\"inputs\":{}}}"));
    dispatcher.queued(run);
    return run;
  }

  private Run awaitStatus(UUID runId, RunStatus status) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    Optional<Run> run;
    while ((run = stores.runs().find(runId)).map(r -> r.status() != status).orElse(true)) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("run " + runId + " did not become " + status + ": " + run);
      }
      Thread.sleep(5);
    }
    return run.get();
  }
}
