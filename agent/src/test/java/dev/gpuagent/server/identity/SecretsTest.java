package dev.gpuagent.server.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.SecureRandom;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SecretsTest {
  private final SecureRandom random = new SecureRandom();

  @Test
  void secretIsItsKindPrefixAnd43Base62Characters() {
    String key = Secrets.generate(SecretKind.API_KEY, random);
    assertEquals(47, key.length());
    assertTrue(key.matches("gak_[0-9A-Za-z]{43}"), key.substring(0, 4));
    assertTrue(Secrets.generate(SecretKind.WORKER_TOKEN, random).matches("gwt_[0-9A-Za-z]{43}"));
    assertTrue(Secrets.wellFormed(SecretKind.API_KEY, key));
    assertFalse(Secrets.wellFormed(SecretKind.WORKER_TOKEN, key));
  }

  @Test
  void secretsDoNotRepeatAndUseTheWholeAlphabet() {
    Set<String> seen = new HashSet<>();
    Set<Character> characters = new HashSet<>();
    for (int i = 0; i < 2000; i++) {
      String secret = Secrets.generate(SecretKind.API_KEY, random);
      assertTrue(seen.add(secret));
      secret.substring(4).chars().forEach(c -> characters.add((char) c));
    }
    assertEquals(62, characters.size());
  }

  @Test
  void malformedSecretsAreRecognisedWithoutALookup() {
    String key = Secrets.generate(SecretKind.API_KEY, random);
    assertFalse(Secrets.wellFormed(SecretKind.API_KEY, null));
    assertFalse(Secrets.wellFormed(SecretKind.API_KEY, ""));
    assertFalse(Secrets.wellFormed(SecretKind.API_KEY, key.substring(0, 46)));
    assertFalse(Secrets.wellFormed(SecretKind.API_KEY, key + "A"));
    assertFalse(Secrets.wellFormed(SecretKind.API_KEY, key.substring(0, 46) + "-"));
    assertFalse(Secrets.wellFormed(SecretKind.API_KEY, "GAK_" + key.substring(4)));
  }

  @Test
  void hashIsTheHexSha256OfTheWholeSecret() {
    // echo -n abc | sha256sum
    assertEquals("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", Secrets.hash("abc"));
    String a = Secrets.hash("gak_x");
    assertTrue(Secrets.sameHash(a, Secrets.hash("gak_x")));
    assertFalse(Secrets.sameHash(a, Secrets.hash("gak_y")));
    assertEquals("gak_12345678", Secrets.prefix("gak_12345678abcdef"));
  }
}
