package dev.gpuagent.cli;

import dev.gpuagent.server.identity.IssuedSecret;
import dev.gpuagent.server.identity.Organisation;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code gpu-agent keys}: API keys of the public run API. */
@Command(name = "keys", mixinStandardHelpOptions = true, subcommands = KeysCommand.Create.class,
    description = "Manage the API keys that call the public run API (/api).")
final class KeysCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** {@code gpu-agent keys create --org NAME}: prints a new key once. */
  @Command(name = "create", mixinStandardHelpOptions = true,
      description = "Create an API key for an organisation (created if new) and print it once on stdout."
          + " Only its hash is stored: it cannot be shown again.")
  static final class Create implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--org", required = true, paramLabel = "NAME", description = "The organisation the key belongs to.")
    String org;

    @Option(names = "--name", paramLabel = "LABEL", description = "A label for the key (shown in listings).")
    String name;

    @Mixin DataDirOption data;

    @Override
    public Integer call() {
      CommandLine cli = spec.commandLine();
      return SecretCommands.withIdentity(cli, data.dataDir, identity -> {
        Organisation organisation = identity.ensureOrganisation(org);
        IssuedSecret key = identity.createApiKey(organisation.id(), name);
        cli.getOut().println(key.plaintext());
        return "Created API key " + key.prefix() + "... (id " + key.id() + ") for organisation '"
            + organisation.name() + "' (" + organisation.id() + "). It is shown only this once: store it now.";
      });
    }
  }
}
