package dev.gpuagent.server.api;

import dev.gpuagent.server.http.Response;
import dev.gpuagent.server.http.Router;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * {@code GET /api/openapi.json}: the OpenAPI 3.1 document of the API, open (no key). The document is
 * a jar resource kept identical to {@code docs/openapi.json} (a test checks both, and that its paths
 * are the router's).
 */
public final class OpenApi {
  public static final String PATH = "/api/openapi.json";
  static final String RESOURCE = "openapi.json";

  private OpenApi() {}

  /** The document's bytes. */
  public static byte[] document() {
    try (InputStream in = OpenApi.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("resource " + RESOURCE + " missing from the jar");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static Router.Builder addTo(Router.Builder router) {
    byte[] document = document();
    return router.openRoute("GET", PATH, request -> Response.bytes(200, document, Response.JSON));
  }
}
