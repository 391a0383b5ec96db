package dev.gpuagent.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code gpu-agent bench ...}: benchmarks that print a table and write JSON. */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = "Run a benchmark; prints a table and, with --json, writes the figures.",
    subcommands = {BenchEngineCommand.class, BenchKernelsCommand.class, BenchServerCommand.class,
        BenchE2eCommand.class})
final class BenchCommand implements Runnable {
  @Override
  public void run() {
    CommandLine.usage(this, System.out);
  }
}
