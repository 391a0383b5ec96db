package dev.gpuagent.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code gpu-agent}: one binary, several modes. The only place that calls System.exit. */
@Command(
    name = "gpu-agent",
    mixinStandardHelpOptions = true,
    versionProvider = Version.class,
    description = "GPU worker agent and control plane for queued workflow runs.",
    subcommands = {RunCommand.class, NodesCommand.class, GpusCommand.class, BenchCommand.class,
        KeysCommand.class, TokensCommand.class, ServerCommand.class, WorkerCommand.class, DevCommand.class,
        SubmitCommand.class, WebhooksCommand.class})
public final class Main implements Runnable {

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  /** The configured command line; tests call {@code execute} on it without exiting. */
  public static CommandLine commandLine() {
    CommandLine cli = new CommandLine(new Main());
    cli.setCaseInsensitiveEnumValuesAllowed(true);
    return cli;
  }

  @Override
  public void run() {
    CommandLine.usage(this, System.out);
  }
}
