package dev.gpuagent.engine;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class HostAllowListTest {
  @Test
  void emptyListAllowsNothing() {
    HostAllowList none = HostAllowList.of(List.of());
    assertTrue(none.isEmpty());
    assertFalse(none.allows("example.com"));
    assertFalse(HostAllowList.none().allows("localhost"));
  }

  @Test
  void exactEntriesMatchOnlyThatHost() {
    HostAllowList list = HostAllowList.of(List.of("images.example.com", "10.0.0.5"));
    assertTrue(list.allows("images.example.com"));
    assertTrue(list.allows("IMAGES.Example.COM."));
    assertTrue(list.allows("10.0.0.5"));
    assertFalse(list.allows("example.com"));
    assertFalse(list.allows("a.images.example.com"));
    assertFalse(list.allows("images.example.com.evil.net"));
    assertFalse(list.allows("10.0.0.50"));
    assertFalse(list.allows(""));
    assertFalse(list.allows(null));
  }

  @Test
  void wildcardMatchesSubdomainsOnly() {
    HostAllowList list = HostAllowList.of(List.of("*.cdn.example.com"));
    assertTrue(list.allows("a.cdn.example.com"));
    assertTrue(list.allows("a.b.cdn.example.com"));
    assertFalse(list.allows("cdn.example.com"));
    assertFalse(list.allows("evilcdn.example.com"));
    assertFalse(list.allows("a.cdn.example.com.evil.net"));
  }

  @Test
  void ipv6LiteralsMatchExactly() {
    HostAllowList list = HostAllowList.of(List.of("[::1]"));
    assertTrue(list.allows("[::1]"));
    assertFalse(list.allows("[::2]"));
  }

  @Test
  void malformedEntriesAreRefused() {
    for (String bad : List.of("*", "", " ", "*.", "a*.example.com", "*.*.com", "http://example.com", "host:8080")) {
      assertThrows(IllegalArgumentException.class, () -> HostAllowList.of(List.of(bad)), bad);
    }
  }
}
