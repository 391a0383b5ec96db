package dev.gpuagent.server.store;

import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** Deployments, scoped to their organisation. */
public interface DeploymentStore {
  /** Stores a new deployment under a new id. */
  Deployment create(NewDeployment deployment);

  /**
   * Creates or replaces the deployment {@code id} (deployments loaded from files keep their id
   * across restarts); {@code created_at} is kept on replace. Throws IllegalArgumentException when
   * {@code id} belongs to another organisation.
   */
  Deployment upsert(UUID id, NewDeployment deployment);

  /** The deployment, if it belongs to {@code orgId}. */
  Optional<Deployment> get(UUID orgId, UUID id);

  /** The organisation's deployments, oldest first. */
  List<Deployment> list(UUID orgId);
}
