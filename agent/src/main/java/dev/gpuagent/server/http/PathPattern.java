package dev.gpuagent.server.http;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A route path such as {@code /api/run/{run_id}/cancel}: literal segments and {@code {name}}
 * parameters, each a whole segment. A parameter matches one non-empty segment; matching is exact
 * (no trailing-slash or case folding, as Starlette without redirects).
 */
public record PathPattern(String pattern, List<String> segments) {
  private static final Pattern PARAM = Pattern.compile("\\{([A-Za-z_][A-Za-z0-9_]*)}");

  public PathPattern {
    segments = List.copyOf(segments);
  }

  public static PathPattern parse(String pattern) {
    if (pattern == null || !pattern.startsWith("/")) {
      throw new IllegalArgumentException("a route path starts with '/': " + pattern);
    }
    if (pattern.length() > 1 && pattern.endsWith("/")) {
      throw new IllegalArgumentException("a route path has no trailing '/': " + pattern);
    }
    List<String> segments = split(pattern);
    Set<String> names = new HashSet<>();
    for (String segment : segments) {
      if (segment.isEmpty()) {
        throw new IllegalArgumentException("empty segment in route path: " + pattern);
      }
      if (segment.indexOf('{') >= 0 || segment.indexOf('}') >= 0) {
        var matcher = PARAM.matcher(segment);
        if (!matcher.matches()) {
          throw new IllegalArgumentException(
              "a parameter is a whole segment named {letters_digits}: '" + segment + "' in " + pattern);
        }
        if (!names.add(matcher.group(1))) {
          throw new IllegalArgumentException("parameter {" + matcher.group(1) + "} twice in " + pattern);
        }
      }
    }
    return new PathPattern(pattern, segments);
  }

  /** The segments of a path: {@code "/"} has none, {@code "/a//b/"} has a, "", b, "". */
  static List<String> split(String path) {
    List<String> segments = new ArrayList<>();
    if (path.equals("/")) {
      return segments;
    }
    int start = 1;
    while (true) {
      int slash = path.indexOf('/', start);
      if (slash < 0) {
        segments.add(path.substring(start));
        return segments;
      }
      segments.add(path.substring(start, slash));
      start = slash + 1;
    }
  }

  /** The parameters if the decoded path segments match, else null. */
  Map<String, String> match(List<String> pathSegments) {
    if (pathSegments.size() != segments.size()) {
      return null;
    }
    Map<String, String> params = null;
    for (int i = 0; i < segments.size(); i++) {
      String segment = segments.get(i);
      String actual = pathSegments.get(i);
      if (isParam(segment)) {
        if (actual.isEmpty()) {
          return null;
        }
        if (params == null) {
          params = new LinkedHashMap<>();
        }
        params.put(segment.substring(1, segment.length() - 1), actual);
      } else if (!segment.equals(actual)) {
        return null;
      }
    }
    return params == null ? Map.of() : params;
  }

  /**
   * Positive when this pattern is more specific than {@code other} (both matching one path): at the
   * first segment where one is literal and the other a parameter, the literal wins.
   */
  int compareSpecificity(PathPattern other) {
    for (int i = 0; i < Math.min(segments.size(), other.segments.size()); i++) {
      boolean mine = isParam(segments.get(i));
      boolean theirs = isParam(other.segments.get(i));
      if (mine != theirs) {
        return mine ? -1 : 1;
      }
    }
    return 0;
  }

  /** True when both patterns match exactly the same paths (same literals, parameters anywhere). */
  boolean sameShape(PathPattern other) {
    if (segments.size() != other.segments.size()) {
      return false;
    }
    for (int i = 0; i < segments.size(); i++) {
      String a = segments.get(i);
      String b = other.segments.get(i);
      if (isParam(a) != isParam(b) || !isParam(a) && !a.equals(b)) {
        return false;
      }
    }
    return true;
  }

  private static boolean isParam(String segment) {
    return segment.startsWith("{");
  }

  @Override
  public String toString() {
    return pattern;
  }
}
