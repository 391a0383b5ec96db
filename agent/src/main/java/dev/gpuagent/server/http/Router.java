package dev.gpuagent.server.http;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;

/**
 * Routes ({@code method, path pattern -> handler}) and the authenticators of path prefixes.
 * Immutable once built. A path that matches no pattern is 404; one that matches with another method
 * is 405 (with the allowed methods); among patterns that match, literal segments beat parameters.
 * A GET route also answers HEAD. Prefixes are compared on decoded segments, so an encoded path
 * ({@code /%61pi/...}) cannot slip past its prefix's authenticator.
 */
public final class Router {
  /** One route; {@code open} routes skip their prefix's authenticator (e.g. a public document). */
  /** A route; a {@link RouteHandler} is held as an {@link AsyncRouteHandler} that has answered when it returns. */
  public record Route(String method, PathPattern pattern, AsyncRouteHandler handler, boolean open) {}

  /** What a request's method and path select. */
  public sealed interface Match {}

  public record Found(Route route, Map<String, String> params) implements Match {}

  public record NotFound() implements Match {}

  public record MethodNotAllowed(Set<String> allowed) implements Match {
    public String allowHeader() {
      return String.join(", ", allowed);
    }
  }

  private record AuthRule(List<String> prefix, Authenticator authenticator) {}

  private final List<Route> routes;
  private final List<AuthRule> authRules;

  private Router(List<Route> routes, List<AuthRule> authRules) {
    this.routes = List.copyOf(routes);
    this.authRules = List.copyOf(authRules);
  }

  public static Builder builder() {
    return new Builder();
  }

  public List<Route> routes() {
    return routes;
  }

  /** Selects the route for a method and a path given as decoded segments. */
  public Match match(String method, List<String> segments) {
    Found best = null;
    Set<String> allowed = new TreeSet<>();
    for (Route route : routes) {
      Map<String, String> params = route.pattern().match(segments);
      if (params == null) {
        continue;
      }
      allowed.add(route.method());
      if (route.method().equals("GET")) {
        allowed.add("HEAD");
      }
      boolean methodMatches =
          route.method().equals(method) || method.equals("HEAD") && route.method().equals("GET");
      if (methodMatches
          && (best == null || route.pattern().compareSpecificity(best.route().pattern()) > 0
              || headPrefersOwnRoute(method, route, best))) {
        best = new Found(route, params);
      }
    }
    if (best != null) {
      return best;
    }
    return allowed.isEmpty() ? new NotFound() : new MethodNotAllowed(allowed);
  }

  /** The authenticator of the longest prefix that holds the path, if any. */
  public Optional<Authenticator> authenticatorFor(List<String> segments) {
    for (AuthRule rule : authRules) {
      if (segments.size() >= rule.prefix().size()
          && segments.subList(0, rule.prefix().size()).equals(rule.prefix())) {
        return Optional.of(rule.authenticator());
      }
    }
    return Optional.empty();
  }

  /** An explicit HEAD route beats the GET route of the same specificity. */
  private static boolean headPrefersOwnRoute(String method, Route route, Found best) {
    return method.equals("HEAD")
        && route.method().equals("HEAD")
        && route.pattern().compareSpecificity(best.route().pattern()) == 0;
  }

  public static final class Builder {
    private final List<Route> routes = new ArrayList<>();
    private final List<AuthRule> authRules = new ArrayList<>();

    public Builder get(String pattern, RouteHandler handler) {
      return route("GET", pattern, handler);
    }

    public Builder post(String pattern, RouteHandler handler) {
      return route("POST", pattern, handler);
    }

    public Builder put(String pattern, RouteHandler handler) {
      return route("PUT", pattern, handler);
    }

    public Builder delete(String pattern, RouteHandler handler) {
      return route("DELETE", pattern, handler);
    }

    public Builder route(String method, String pattern, RouteHandler handler) {
      return add(method, pattern, answered(handler), false);
    }

    /** A route whose answer comes later, from another thread ({@link AsyncRouteHandler}). */
    public Builder routeAsync(String method, String pattern, AsyncRouteHandler handler) {
      return add(method, pattern, handler, false);
    }

    /** A route that its prefix's authenticator does not guard (it checks access itself, or none). */
    public Builder openRoute(String method, String pattern, RouteHandler handler) {
      return add(method, pattern, answered(handler), true);
    }

    private static AsyncRouteHandler answered(RouteHandler handler) {
      return handler == null ? null : request -> CompletableFuture.completedFuture(handler.handle(request));
    }

    /** Every route under {@code prefix} (e.g. {@code /api}) needs a bearer token it accepts. */
    public Builder authenticate(String prefix, Authenticator authenticator) {
      PathPattern parsed = PathPattern.parse(prefix);
      if (parsed.segments().stream().anyMatch(s -> s.startsWith("{"))) {
        throw new IllegalArgumentException("an auth prefix is literal: " + prefix);
      }
      if (authRules.stream().anyMatch(rule -> rule.prefix().equals(parsed.segments()))) {
        throw new IllegalArgumentException("prefix " + prefix + " already has an authenticator");
      }
      authRules.add(new AuthRule(parsed.segments(), authenticator));
      return this;
    }

    public Router build() {
      List<AuthRule> sorted = new ArrayList<>(authRules);
      sorted.sort(Comparator.comparingInt((AuthRule rule) -> rule.prefix().size()).reversed());
      return new Router(routes, sorted);
    }

    private Builder add(String method, String pattern, AsyncRouteHandler handler, boolean open) {
      if (method == null || !method.matches("[A-Z]+")) {
        throw new IllegalArgumentException("an HTTP method is upper-case letters: " + method);
      }
      if (handler == null) {
        throw new IllegalArgumentException("route " + method + " " + pattern + " has no handler");
      }
      PathPattern parsed = PathPattern.parse(pattern);
      for (Route existing : routes) {
        if (existing.method().equals(method) && existing.pattern().sameShape(parsed)) {
          throw new IllegalArgumentException(
              method + " " + pattern + " clashes with " + existing.method() + " " + existing.pattern());
        }
      }
      routes.add(new Route(method, parsed, handler, open));
      return this;
    }
  }
}
