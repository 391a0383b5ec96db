package dev.gpuagent.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** Placeholder until the run command lands. */
@Command(name = "run", description = "Execute one workflow file locally.")
final class RunCommand implements Callable<Integer> {
  @Override
  public Integer call() {
    return 0;
  }
}
