package dev.gpuagent.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SignedUrlsTest {
  private static final byte[] SECRET = "0123456789abcdef0123456789abcdef".getBytes();
  private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");

  private static SignedUrls at(Instant instant) {
    return new SignedUrls(SECRET, Clock.fixed(instant, ZoneOffset.UTC));
  }

  private static Request request(String method, String url) {
    URI uri = URI.create(url);
    Map<String, List<String>> query = new java.util.HashMap<>();
    for (String pair : uri.getRawQuery().split("&")) {
      String[] kv = pair.split("=", 2);
      query.computeIfAbsent(kv[0], k -> new java.util.ArrayList<>()).add(kv[1]);
    }
    return Request.of(method, uri.getRawPath(), null).withQuery(query);
  }

  @Test
  void signedPathVerifiesUntilItExpires() {
    String url = at(NOW).sign("GET", "/outputs/run-1/a%20b.png", Duration.ofMinutes(10));
    assertEquals("/outputs/run-1/a%20b.png?expires=" + NOW.plusSeconds(600).getEpochSecond()
        + "&signature=", url.substring(0, url.indexOf("signature=") + "signature=".length()));
    at(NOW).require(request("GET", url));
    at(NOW.plusSeconds(600)).require(request("GET", url));
    at(NOW).require(request("HEAD", url));
    ApiException expired =
        assertThrows(ApiException.class, () -> at(NOW.plusSeconds(601)).require(request("GET", url)));
    assertEquals(403, expired.status());
    assertEquals("signed URL has expired", expired.detail());
  }

  @Test
  void anyTamperingIsRefused() {
    SignedUrls urls = at(NOW);
    String url = urls.sign("GET", "/outputs/run-1/a.png", Duration.ofMinutes(10));
    String expires = url.replaceAll(".*expires=(\\d+).*", "$1");
    String signature = url.replaceAll(".*signature=", "");
    assertEquals(SignedUrls.Verdict.VALID, urls.verify("GET", "/outputs/run-1/a.png", expires, signature));
    assertEquals(SignedUrls.Verdict.INVALID, urls.verify("GET", "/outputs/run-2/a.png", expires, signature));
    assertEquals(SignedUrls.Verdict.INVALID, urls.verify("POST", "/outputs/run-1/a.png", expires, signature));
    assertEquals(SignedUrls.Verdict.INVALID,
        urls.verify("GET", "/outputs/run-1/a.png", Long.toString(Long.parseLong(expires) + 1), signature));
    char last = signature.charAt(signature.length() - 2);
    String flipped = signature.substring(0, signature.length() - 2) + (last == 'A' ? 'B' : 'A')
        + signature.charAt(signature.length() - 1);
    assertEquals(SignedUrls.Verdict.INVALID, urls.verify("GET", "/outputs/run-1/a.png", expires, flipped));
    assertEquals(SignedUrls.Verdict.INVALID, urls.verify("GET", "/outputs/run-1/a.png", expires, "!!"));
    assertEquals(SignedUrls.Verdict.INVALID, urls.verify("GET", "/outputs/run-1/a.png", "soon", signature));
    assertEquals(SignedUrls.Verdict.INVALID, urls.verify("GET", "/outputs/run-1/a.png", null, signature));
    ApiException e = assertThrows(ApiException.class,
        () -> urls.require(Request.of("GET", "/outputs/run-1/a.png", null)));
    assertEquals("invalid URL signature", e.detail());
  }

  @Test
  void anotherSecretGivesAnotherSignature() {
    byte[] other = Arrays.copyOf(SECRET, SECRET.length);
    other[0] ^= 1;
    String mine = at(NOW).sign("GET", "/a", Duration.ofMinutes(1));
    String theirs = new SignedUrls(other, Clock.fixed(NOW, ZoneOffset.UTC)).sign("GET", "/a", Duration.ofMinutes(1));
    assertNotEquals(mine, theirs);
  }

  @Test
  void shortSecretsAndPathsWithQueriesAreRefused() {
    assertThrows(IllegalArgumentException.class, () -> new SignedUrls(new byte[31], Clock.systemUTC()));
    assertThrows(IllegalArgumentException.class, () -> at(NOW).sign("GET", "/a?b=c", Duration.ofMinutes(1)));
    assertThrows(IllegalArgumentException.class, () -> at(NOW).sign("GET", "a", Duration.ofMinutes(1)));
    assertEquals(32, SignedUrls.newSecret().length);
  }
}
