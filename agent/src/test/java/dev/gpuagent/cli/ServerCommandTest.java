package dev.gpuagent.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code gpu-agent server} as a child process: logs its URL, serves, stops on SIGTERM; bad settings exit 2. */
class ServerCommandTest {
  private static final Pattern URL = Pattern.compile("listening on (http://127\\.0\\.0\\.1:\\d+)");

  @TempDir Path dir;

  @Test
  void serverLogsItsUrlServesAndStopsOnSigterm() throws Exception {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow", "-cp",
        System.getProperty("java.class.path"), Main.class.getName(), "server", "--port", "0",
        "--data-dir", dir.resolve("data").toString(),
        "--deployments", CliProcess.REPO.resolve("config/deployments").toString()));
    ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
    builder.environment().put("GPU_AGENT_TEST_LOG_LEVEL", "INFO");
    builder.environment().put("GPU_AGENT_LOG_LEVEL", "INFO");
    builder.environment().remove("GPU_AGENT_CONFIG");
    Process process = builder.start();
    try {
      String url = null;
      StringBuilder seen = new StringBuilder();
      BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
      for (String line; url == null && (line = lines.readLine()) != null; ) {
        seen.append(line).append('\n');
        Matcher m = URL.matcher(line);
        if (m.find()) {
          url = m.group(1);
        }
      }
      assertTrue(url != null, "no URL logged:\n" + seen);
      var response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url + "/healthz")).build(),
          BodyHandlers.ofString());
      assertEquals(200, response.statusCode());
      var unauthorised = HttpClient.newHttpClient().send(
          HttpRequest.newBuilder(URI.create(url + "/api/deployments")).build(), BodyHandlers.ofString());
      assertEquals(401, unauthorised.statusCode());
      process.destroy();
      assertTrue(process.waitFor(20, TimeUnit.SECONDS), "server did not stop on SIGTERM");
      assertEquals(143, process.exitValue());
    } finally {
      process.destroyForcibly();
    }
  }

  @Test
  void badSettingsExitWithCode2() throws Exception {
    Path config = CliProcess.write(dir, "server.yaml", "prot: 80\n");
    CliProcess.Result result = CliProcess.run(dir, "server", "--config", config.toString());
    assertEquals(2, result.exitCode());
    assertTrue(result.stderr().contains("unknown setting 'prot'"), result.stderr());
  }
}
