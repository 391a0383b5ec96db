package dev.gpuagent.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's first command, {@code gpu-agent dev}, as a real process used the way the quick start says. */
class DevCommandTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern API = Pattern.compile("^\\s+API\\s+(http://\\S+)/api\\s");
  private static final Pattern KEY = Pattern.compile("^\\s+API key\\s+(gak_\\S+)");

  @TempDir Path dir;

  @Test
  void devModeServesTheSampleDeploymentsKeepsItsKeyAndDrainsOnSigterm() throws Exception {
    Path data = dir.resolve("data");
    Started first = start(data);
    HttpClient http = HttpClient.newHttpClient();
    try {
      assertTrue(first.banner.contains("5b3f8f0e-6a0c-4d8e-9a51-0c2f6e1d7a01  showcase-quick"), first.banner);
      assertTrue(first.banner.contains("curl -s -X POST " + first.base + "/api/run/deployment/queue"), first.banner);
      assertEquals(first.key + "\n", Files.readString(data.resolve("dev-api-key")));
      assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
          Files.getPosixFilePermissions(data.resolve("dev-api-key"))));

      String runId = JSON.readTree(send(http, first, "POST", "/api/run/deployment/queue",
          "{\"deployment_id\": \"5b3f8f0e-6a0c-4d8e-9a51-0c2f6e1d7a01\", \"inputs\": {\"width\": 64}}").body())
          .get("run_id").asText();
      JsonNode run = null;
      for (int i = 0; i < 600; i++) {
        run = JSON.readTree(send(http, first, "GET", "/api/run/" + runId, null).body());
        if (run.get("status").asText().equals("success")) {
          break;
        }
        Thread.sleep(50);
      }
      assertNotNull(run);
      assertEquals("success", run.get("status").asText(), run.toString());
      String url = run.get("outputs").get(0).get("data").get("images").get(0).get("url").asText();
      HttpResponse<byte[]> png = http.send(HttpRequest.newBuilder(URI.create(url)).build(),
          HttpResponse.BodyHandlers.ofByteArray());
      assertEquals(200, png.statusCode());
      var image = javax.imageio.ImageIO.read(new java.io.ByteArrayInputStream(png.body()));
      assertEquals(128, image.getWidth(), "the showcase scales to width 128");
      assertEquals(512, image.getHeight(), "64x256 scaled to width 128 keeps the aspect ratio");

      new ProcessBuilder("kill", "-TERM", Long.toString(first.process.pid())).start().waitFor();
      assertTrue(first.process.waitFor(30, TimeUnit.SECONDS));
      assertEquals(0, first.process.exitValue());
    } finally {
      first.process.destroyForcibly();
    }

    Started second = start(data);
    try {
      assertEquals(first.key, second.key, "the key is kept in the data folder across restarts");
      assertEquals(200, send(http, second, "GET", "/api/deployments", null).statusCode());
    } finally {
      second.process.destroyForcibly();
    }
  }

  private record Started(Process process, String base, String key, String banner) {}

  private Started start(Path data) throws Exception {
    ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "--enable-native-access=ALL-UNNAMED", "-Xmx512m", "-cp", System.getProperty("java.class.path"),
        Main.class.getName(), "dev", "--port", "0", "--data-dir", data.toString(), "--gpus", "none",
        "--deployments", CliProcess.REPO.resolve("config/deployments").toString(),
        "--input-dir", CliProcess.REPO.resolve("config/workflows/input").toString())
        .redirectError(dir.resolve("dev-" + System.nanoTime() + ".log").toFile());
    Process process = builder.start();
    BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    StringBuilder banner = new StringBuilder();
    String base = null;
    String key = null;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    String line;
    while (System.nanoTime() < deadline && (line = out.readLine()) != null) {
      banner.append(line).append('\n');
      Matcher api = API.matcher(line);
      if (api.find()) {
        base = api.group(1);
      }
      Matcher k = KEY.matcher(line);
      if (k.find()) {
        key = k.group(1);
      }
      if (line.startsWith("Ctrl-C stops")) {
        break;
      }
    }
    assertNotNull(base, banner.toString());
    assertNotNull(key, banner.toString());
    assertTrue(banner.toString().contains("registered, slots: cpu0 (CPU), cpu1 (CPU)"), banner.toString());
    Thread drain = new Thread(() -> {
      try {
        out.transferTo(java.io.Writer.nullWriter());
      } catch (java.io.IOException ignored) {
        // the process ended
      }
    });
    drain.setDaemon(true);
    drain.start();
    return new Started(process, base, key, banner.toString());
  }

  private static HttpResponse<String> send(HttpClient http, Started dev, String method, String path, String body)
      throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(dev.base + path))
        .header("Authorization", "Bearer " + dev.key)
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (body != null) {
      request.header("Content-Type", "application/json");
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }
}
