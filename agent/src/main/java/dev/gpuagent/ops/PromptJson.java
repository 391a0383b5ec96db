package dev.gpuagent.ops;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.core.util.MinimalPrettyPrinter;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import java.io.IOException;

/**
 * The workflow as ComfyUI embeds it in a PNG's {@code prompt} text chunk: Python's
 * {@code json.dumps} layout ({@code ", "} and {@code ": "} separators, non-ASCII escaped), so the
 * chunk is plain ASCII and fits tEXt.
 */
final class PromptJson {
  private static final ObjectWriter WRITER = new ObjectMapper()
      .writer(new PythonSeparators())
      .with(JsonWriteFeature.ESCAPE_NON_ASCII);

  private PromptJson() {}

  static String write(JsonNode workflow) {
    try {
      return WRITER.writeValueAsString(workflow);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialise the workflow", e);
    }
  }

  /** json.dumps's default separators on one line. */
  private static final class PythonSeparators extends MinimalPrettyPrinter {
    private static final long serialVersionUID = 1L;

    @Override
    public void writeObjectFieldValueSeparator(JsonGenerator g) throws IOException {
      g.writeRaw(": ");
    }

    @Override
    public void writeObjectEntrySeparator(JsonGenerator g) throws IOException {
      g.writeRaw(", ");
    }

    @Override
    public void writeArrayValueSeparator(JsonGenerator g) throws IOException {
      g.writeRaw(", ");
    }
  }
}
