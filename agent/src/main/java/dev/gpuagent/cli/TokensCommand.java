package dev.gpuagent.cli;

import dev.gpuagent.server.identity.IssuedSecret;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code gpu-agent tokens}: worker tokens, valid only on the worker endpoints. */
@Command(name = "tokens", mixinStandardHelpOptions = true, subcommands = TokensCommand.Create.class,
    description = "Manage the tokens workers authenticate with (they cannot call /api).")
final class TokensCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** {@code gpu-agent tokens create [--name NAME]}: prints a new worker token once. */
  @Command(name = "create", mixinStandardHelpOptions = true,
      description = "Create a worker token and print it once on stdout. Only its hash is stored: it cannot be"
          + " shown again.")
  static final class Create implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--name", paramLabel = "NAME", description = "A name for the token (a host or pool name, say).")
    String name;

    @Mixin DataDirOption data;

    @Override
    public Integer call() {
      CommandLine cli = spec.commandLine();
      return SecretCommands.withIdentity(cli, data.dataDir, identity -> {
        IssuedSecret token = identity.createWorkerToken(name);
        cli.getOut().println(token.plaintext());
        return "Created worker token " + token.prefix() + "... (id " + token.id() + ")"
            + (name == null ? "" : " named '" + name + "'") + ". It is shown only this once: store it now.";
      });
    }
  }
}
