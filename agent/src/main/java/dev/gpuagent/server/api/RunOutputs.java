package dev.gpuagent.server.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gpuagent.server.store.Run;
import java.util.List;

/**
 * Renders a run's {@code outputs} for {@code GET /api/run/{run_id}}: the output storage adds a freshly
 * signed download {@code url} to every file on each request ({@code server.outputs.OutputRecords}).
 */
@FunctionalInterface
public interface RunOutputs {
  /** The stored list as it is ({@code []} when there is none): for tests and a server without storage. */
  RunOutputs STORED = run -> {
    JsonNode outputs = JsonText.tree(run.outputs());
    return outputs == null ? List.of() : outputs;
  };

  /** The {@code outputs} value of the run record (a JSON list). */
  Object render(Run run);
}
