package dev.gpuagent.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.junit.jupiter.api.Test;

class WorkerProcessBenchTest {
  @Test
  void theHeapFiguresAreReadFromJcmdsHeapInfo() {
    String g1 = """
        12345:
         garbage-first heap   total reserved 4194304K, committed 65536K, used 8084K [0x0000000700000000, 0x0000000800000000)
          region size 2048K, 1 young (2048K), 0 survivors (0K)
         Metaspace       used 20712K, committed 21056K, reserved 1114112K
        """;
    assertArrayEquals(new long[] {8084L * 1024, 65536L * 1024}, WorkerProcessBench.heapUsedAndCommitted(g1));
    assertArrayEquals(new long[] {-1, -1}, WorkerProcessBench.heapUsedAndCommitted(""), "no jcmd: not told");
  }
}
