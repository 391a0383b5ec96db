package dev.gpuagent.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class UuidsTest {
  private static final UUID ID = UUID.fromString("8f8a5b5e-7c1a-4d47-9a53-3c1f7d2c6f10");

  @Test
  void acceptsTheFormsPydanticAccepts() {
    List<Object> loc = List.of("path", "run_id");
    assertEquals(ID, Uuids.parse("8f8a5b5e-7c1a-4d47-9a53-3c1f7d2c6f10", loc));
    assertEquals(ID, Uuids.parse("8F8A5B5E-7C1A-4D47-9A53-3C1F7D2C6F10", loc));
    assertEquals(ID, Uuids.parse("8f8a5b5e7c1a4d479a533c1f7d2c6f10", loc));
    assertEquals(ID, Uuids.parse("{8f8a5b5e-7c1a-4d47-9a53-3c1f7d2c6f10}", loc));
    assertEquals(ID, Uuids.parse("urn:uuid:8f8a5b5e-7c1a-4d47-9a53-3c1f7d2c6f10", loc));
  }

  @Test
  void explainsWhatIsWrongInTheUuidCratesWords() {
    assertEquals("invalid character: expected an optional prefix of `urn:uuid:` followed by"
        + " [0-9a-fA-F-], found `x` at 1", Uuids.problem("xyz"));
    assertEquals("invalid length: expected length 32 for simple format, found 3", Uuids.problem("abc"));
    assertEquals("invalid length: expected length 32 for simple format, found 0", Uuids.problem(""));
    assertEquals("invalid group count: expected 5, found 2",
        Uuids.problem("8f8a5b5e-7c1a"));
    assertEquals("invalid group length in group 4: expected 12, found 11",
        Uuids.problem("8f8a5b5e-7c1a-4d47-9a53-3c1f7d2c6f1"));
    assertEquals("invalid group count: expected 5, found 6",
        Uuids.problem("1-1-1-1-1-1"));
    assertEquals("invalid group length in group 0: expected 8, found 1", Uuids.problem("1-1-1-1-1"));
  }

  @Test
  void malformedIsA422AtTheGivenLocation() {
    ValidationException e =
        assertThrows(ValidationException.class, () -> Uuids.parse("nope", List.of("path", "run_id")));
    ValidationError error = e.errors().getFirst();
    assertEquals("uuid_parsing", error.type());
    assertEquals(List.of("path", "run_id"), error.loc());
    assertEquals("Input should be a valid UUID, invalid character: expected an optional prefix of"
        + " `urn:uuid:` followed by [0-9a-fA-F-], found `n` at 1", error.msg());
    assertEquals(422, e.status());
  }
}
