package dev.gpuagent.cli;

import dev.gpuagent.server.identity.Organisation;
import dev.gpuagent.server.webhooks.WebhookSecrets;
import java.io.UncheckedIOException;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code gpu-agent webhooks}: what a webhook receiver needs to verify events. */
@Command(name = "webhooks", mixinStandardHelpOptions = true, subcommands = WebhooksCommand.Secret.class,
    description = "Webhook settings of the control plane.")
final class WebhooksCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** {@code gpu-agent webhooks secret --org NAME}: prints the organisation's signing secret. */
  @Command(name = "secret", mixinStandardHelpOptions = true,
      description = "Print the organisation's webhook signing secret (whsec_...) on stdout, making it if it has"
          + " none. Receivers verify the webhook-signature header with it (Standard Webhooks).")
  static final class Secret implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--org", required = true, paramLabel = "NAME", description = "The organisation.")
    String org;

    @Mixin DataDirOption data;

    @Override
    public Integer call() {
      CommandLine cli = spec.commandLine();
      return SecretCommands.withIdentity(cli, data.dataDir, identity -> {
        Organisation organisation = identity.findOrganisation(org)
            .orElseThrow(() -> new IllegalArgumentException("no organisation named '" + org + "'"));
        String secret;
        try {
          secret = new WebhookSecrets(data.dataDir).secret(organisation.id());
        } catch (UncheckedIOException e) {
          throw new IllegalArgumentException(e.getMessage(), e);
        }
        cli.getOut().println(secret);
        return "Webhook signing secret of organisation '" + organisation.name() + "' (" + organisation.id()
            + "). Keep it secret: anyone who has it can forge events.";
      });
    }
  }
}
