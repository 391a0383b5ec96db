package dev.gpuagent.engine;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The hosts that input URLs may name. Entries are exact host names or IP literals
 * ({@code images.example.com}, {@code 10.0.0.5}) or {@code *.suffix} wildcards, which match any
 * subdomain of the suffix but not the suffix itself ({@code *.example.com} allows
 * {@code a.example.com} and {@code a.b.example.com}, not {@code example.com}). Matching ignores
 * case and a trailing dot. An empty list allows nothing.
 */
public final class HostAllowList {
  private static final HostAllowList NONE = new HostAllowList(Set.of(), List.of());

  private final Set<String> exact;
  private final List<String> suffixes;

  private HostAllowList(Set<String> exact, List<String> suffixes) {
    this.exact = Set.copyOf(exact);
    this.suffixes = List.copyOf(suffixes);
  }

  public static HostAllowList none() {
    return NONE;
  }

  /** Parses entries; a bare {@code *} or a wildcard anywhere but the start is refused. */
  public static HostAllowList of(Collection<String> entries) {
    Set<String> exact = new LinkedHashSet<>();
    List<String> suffixes = new ArrayList<>();
    for (String raw : entries) {
      String entry = normalize(raw == null ? "" : raw.trim());
      if (entry.isEmpty()) {
        throw new IllegalArgumentException("empty host in the URL allow-list");
      }
      if (entry.startsWith("*.")) {
        String suffix = entry.substring(1); // ".example.com"
        if (suffix.length() < 2 || suffix.indexOf('*') >= 0) {
          throw new IllegalArgumentException("invalid allow-list entry '" + raw + "'");
        }
        suffixes.add(suffix);
      } else if (entry.indexOf('*') >= 0 || entry.indexOf('/') >= 0 || entry.indexOf(':') >= 0 && !entry.startsWith("[")) {
        throw new IllegalArgumentException("invalid allow-list entry '" + raw
            + "' (use a host name, an IP address or *.domain)");
      } else {
        exact.add(entry);
      }
    }
    return exact.isEmpty() && suffixes.isEmpty() ? NONE : new HostAllowList(exact, suffixes);
  }

  public boolean isEmpty() {
    return exact.isEmpty() && suffixes.isEmpty();
  }

  public boolean allows(String host) {
    if (host == null || host.isEmpty()) {
      return false;
    }
    String h = normalize(host);
    if (exact.contains(h)) {
      return true;
    }
    if (h.startsWith("[")) {
      return false; // IPv6 literals only match exactly
    }
    for (String suffix : suffixes) {
      if (h.length() > suffix.length() && h.endsWith(suffix)) {
        return true;
      }
    }
    return false;
  }

  private static String normalize(String host) {
    String h = host.toLowerCase(Locale.ROOT);
    return h.endsWith(".") ? h.substring(0, h.length() - 1) : h;
  }

  @Override
  public String toString() {
    List<String> all = new ArrayList<>(exact);
    suffixes.forEach(s -> all.add("*" + s));
    return all.toString();
  }
}
