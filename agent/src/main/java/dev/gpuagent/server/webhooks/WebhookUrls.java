package dev.gpuagent.server.webhooks;

import java.net.URI;
import java.net.URISyntaxException;

/** Webhook URLs the sender posts to: absolute {@code http} or {@code https} URLs with a host. */
final class WebhookUrls {
  private WebhookUrls() {}

  static boolean allowed(String url) {
    if (url == null) {
      return false;
    }
    try {
      URI uri = new URI(url);
      String scheme = uri.getScheme();
      return uri.isAbsolute() && uri.getHost() != null
          && ("http".equalsIgnoreCase(scheme) || "https".equalsIgnoreCase(scheme));
    } catch (URISyntaxException e) {
      return false;
    }
  }

  /** The host (and port) only, for logs: a URL's path or query may carry a token. */
  static String forLog(String url) {
    try {
      URI uri = new URI(url);
      return uri.getScheme() + "://" + uri.getHost() + (uri.getPort() < 0 ? "" : ":" + uri.getPort());
    } catch (URISyntaxException | RuntimeException e) {
      return "(unparseable URL)";
    }
  }
}
