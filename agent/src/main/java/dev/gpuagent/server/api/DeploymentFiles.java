package dev.gpuagent.server.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gpuagent.server.http.BodyFields;
import dev.gpuagent.server.http.Json;
import dev.gpuagent.server.http.ValidationError;
import dev.gpuagent.server.store.Deployment;
import dev.gpuagent.server.store.DeploymentStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads deployment files ({@code *.json} in one folder, in name order) into the store at start. A file
 * is a {@code POST /api/deployments} body plus a fixed {@code id} (a uuid), so a deployment keeps its id
 * across restarts; loading again replaces it (upsert). A file that is not a valid deployment stops the
 * load with an {@link IllegalArgumentException} naming the file and what is wrong.
 */
public final class DeploymentFiles {
  private static final Logger LOG = LoggerFactory.getLogger(DeploymentFiles.class);

  private final DeploymentStore deployments;
  private final Workflows workflows;

  public DeploymentFiles(DeploymentStore deployments, Workflows workflows) {
    this.deployments = Objects.requireNonNull(deployments, "deployments");
    this.workflows = Objects.requireNonNull(workflows, "workflows");
  }

  /** Loads every file of {@code folder} for {@code orgId}; a missing folder loads nothing. */
  public List<Deployment> load(Path folder, UUID orgId) {
    if (!Files.isDirectory(folder)) {
      LOG.info("no deployments folder at {}; none loaded", folder);
      return List.of();
    }
    List<Path> files;
    try (Stream<Path> listing = Files.list(folder)) {
      files = listing.filter(p -> p.getFileName().toString().endsWith(".json") && Files.isRegularFile(p))
          .sorted().toList();
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot list deployments folder " + folder + ": " + e.getMessage(), e);
    }
    List<Deployment> loaded = new ArrayList<>();
    for (Path file : files) {
      Deployment deployment = loadFile(file, orgId);
      LOG.info("loaded deployment {} ({}) from {}", deployment.id(), deployment.name(), file.getFileName());
      loaded.add(deployment);
    }
    return loaded;
  }

  Deployment loadFile(Path file, UUID orgId) {
    JsonNode json;
    try {
      json = Json.MAPPER.readTree(Files.readAllBytes(file));
    } catch (IOException e) {
      throw new IllegalArgumentException("deployment file " + file + " is not JSON: " + e.getMessage(), e);
    }
    if (!(json instanceof ObjectNode object)) {
      throw new IllegalArgumentException("deployment file " + file + " must hold a JSON object");
    }
    BodyFields fields = BodyFields.of(object);
    UUID id = fields.requiredUuid("id");
    DeploymentSpec spec = DeploymentSpec.read(fields);
    if (!fields.errors().isEmpty()) {
      throw new IllegalArgumentException("deployment file " + file + ": " + fields.errors().stream()
          .map(DeploymentFiles::describe).collect(Collectors.joining("; ")));
    }
    try {
      return deployments.upsert(id, spec.compile(orgId, workflows));
    } catch (InvalidWorkflow e) {
      throw new IllegalArgumentException("deployment file " + file + ": invalid workflow_api: " + e.getMessage(), e);
    }
  }

  private static String describe(ValidationError error) {
    return error.loc().subList(1, error.loc().size()) + " " + error.msg();
  }
}
