package dev.gpuagent.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

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
    assertArrayEquals(new long[] {4194304L * 1024, 65536L * 1024, 8084L * 1024, 0x700000000L, 0x800000000L},
        WorkerProcessBench.heapInfo(g1));
    assertArrayEquals(new long[] {-1, -1, -1, -1, -1}, WorkerProcessBench.heapInfo(""), "no jcmd: not told");
  }

  @Test
  void theHeapsResidentBytesAreThoseOfItsMappingsInSmaps() {
    String smaps = """
        700000000-702000000 rw-p 00000000 00:00 0
        Size:              32768 kB
        KernelPageSize:        4 kB
        Rss:               30000 kB
        702000000-800000000 ---p 00000000 00:00 0
        Size:            4161536 kB
        Rss:                   0 kB
        7f0000000000-7f0000100000 r-xp 00000000 fd:01 123 /usr/lib/jvm/lib/server/libjvm.so
        Size:               1024 kB
        Rss:                 900 kB
        """;
    assertEquals(30000L * 1024, WorkerProcessBench.residentWithin(smaps, 0x700000000L, 0x800000000L));
    assertEquals(0, WorkerProcessBench.residentWithin(smaps, 0x100000L, 0x200000L));
  }
}
