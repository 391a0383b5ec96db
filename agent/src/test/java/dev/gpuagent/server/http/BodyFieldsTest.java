package dev.gpuagent.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class BodyFieldsTest {
  private static final List<String> GPUS = List.of("T4", "L4", "H100");

  private static BodyFields fields(String json) {
    return BodyFields.of(Request.of("POST", "/x", json.getBytes(StandardCharsets.UTF_8)));
  }

  private static String detail(ApiException e) {
    return new String(((Response.Bytes) e.toResponse().body()).data(), StandardCharsets.UTF_8);
  }

  @Test
  void validBodyYieldsTypedValues() {
    BodyFields body = fields("""
        {"deployment_id": "8f8a5b5e-7c1a-4d47-9a53-3c1f7d2c6f10", "inputs": {"seed": 1},
         "webhook": "https://example.test/hook", "webhook_intermediate_status": true, "gpu": "L4",
         "name": "blur", "run_timeout_s": 60}""");
    assertEquals(UUID.fromString("8f8a5b5e-7c1a-4d47-9a53-3c1f7d2c6f10"), body.requiredUuid("deployment_id"));
    assertEquals(1, body.optionalObject("inputs").orElseThrow().get("seed").asInt());
    assertEquals("https://example.test/hook", body.optionalHttpUrl("webhook").orElseThrow().toString());
    assertEquals(Optional.of(true), body.optionalBool("webhook_intermediate_status"));
    assertEquals(Optional.of("L4"), body.optionalEnum("gpu", GPUS));
    assertEquals("blur", body.requiredString("name"));
    assertEquals(Optional.of(60L), body.optionalInt("run_timeout_s", 1, 86400));
    body.throwIfInvalid();
  }

  @Test
  void absentAndNullOptionalsAreEmpty() {
    BodyFields body = fields("{\"webhook\": null}");
    assertTrue(body.optionalHttpUrl("webhook").isEmpty());
    assertTrue(body.optionalObject("inputs").isEmpty());
    assertTrue(body.optionalBool("flag").isEmpty());
    assertTrue(body.optionalEnum("gpu", GPUS).isEmpty());
    assertTrue(body.optionalString("s").isEmpty());
    assertTrue(body.optionalInt("n", 0, 1).isEmpty());
    body.throwIfInvalid();
  }

  @Test
  void everyBadFieldIsListedInOne422() {
    BodyFields body = fields("""
        {"inputs": [1], "webhook_intermediate_status": "maybe", "gpu": "V100", "name": 5}""");
    assertNull(body.requiredUuid("deployment_id"));
    body.optionalObject("inputs");
    body.optionalBool("webhook_intermediate_status");
    body.optionalEnum("gpu", GPUS);
    body.requiredString("name");
    ValidationException e = assertThrows(ValidationException.class, body::throwIfInvalid);
    assertEquals(422, e.toResponse().status());
    assertEquals("{\"detail\":["
        + "{\"type\":\"missing\",\"loc\":[\"body\",\"deployment_id\"],\"msg\":\"Field required\"},"
        + "{\"type\":\"dict_type\",\"loc\":[\"body\",\"inputs\"],\"msg\":\"Input should be a valid dictionary\"},"
        + "{\"type\":\"bool_parsing\",\"loc\":[\"body\",\"webhook_intermediate_status\"],"
        + "\"msg\":\"Input should be a valid boolean, unable to interpret input\"},"
        + "{\"type\":\"enum\",\"loc\":[\"body\",\"gpu\"],\"msg\":\"Input should be 'T4', 'L4' or 'H100'\","
        + "\"ctx\":{\"expected\":\"'T4', 'L4' or 'H100'\"}},"
        + "{\"type\":\"string_type\",\"loc\":[\"body\",\"name\"],\"msg\":\"Input should be a valid string\"}"
        + "]}", detail(e));
  }

  @Test
  void uuidFieldsReportTypeAndParsingErrors() {
    BodyFields body = fields("{\"a\": 5, \"b\": \"8f8a5b5e-7c1a\", \"c\": null}");
    body.requiredUuid("a");
    body.requiredUuid("b");
    body.requiredUuid("c");
    List<ValidationError> errors = body.errors();
    assertEquals(List.of("uuid_type", "uuid_parsing", "uuid_type"), errors.stream().map(ValidationError::type).toList());
    assertEquals("UUID input should be a string, bytes or UUID object", errors.get(0).msg());
    assertEquals("Input should be a valid UUID, invalid group count: expected 5, found 2", errors.get(1).msg());
    assertEquals(List.of("body", "b"), errors.get(1).loc());
  }

  @Test
  void booleansAreReadLikePydantic() {
    BodyFields body = fields("{\"a\": 1, \"b\": \"off\", \"c\": \"YES\", \"d\": 0.0, \"e\": 2, \"f\": [true]}");
    assertEquals(Optional.of(true), body.optionalBool("a"));
    assertEquals(Optional.of(false), body.optionalBool("b"));
    assertEquals(Optional.of(true), body.optionalBool("c"));
    assertEquals(Optional.of(false), body.optionalBool("d"));
    assertTrue(body.optionalBool("e").isEmpty());
    assertTrue(body.optionalBool("f").isEmpty());
    assertEquals(List.of("bool_type", "bool_type"), body.errors().stream().map(ValidationError::type).toList());
  }

  @Test
  void integersCheckTypeFractionAndBounds() {
    BodyFields body = fields("{\"a\": \"12\", \"b\": 2.5, \"c\": 0, \"d\": 99999, \"e\": \"x\", \"f\": true, \"g\": 3.0}");
    assertEquals(Optional.of(12L), body.optionalInt("a", 1, 100));
    body.optionalInt("b", 1, 100);
    body.optionalInt("c", 1, 100);
    body.optionalInt("d", 1, 100);
    body.optionalInt("e", 1, 100);
    body.optionalInt("f", 1, 100);
    assertEquals(Optional.of(3L), body.optionalInt("g", 1, 100));
    assertEquals(List.of("int_from_float", "greater_than_equal", "less_than_equal", "int_parsing", "int_type"),
        body.errors().stream().map(ValidationError::type).toList());
    assertEquals("Input should be greater than or equal to 1", body.errors().get(1).msg());
  }

  @Test
  void urlsMustBeAbsoluteHttp() {
    BodyFields body = fields("{\"a\": \"/relative\", \"b\": \"ftp://x/y\", \"c\": 3, \"d\": \"http://\", \"e\": \"http://a b\"}");
    for (String field : List.of("a", "b", "c", "d", "e")) {
      assertTrue(body.optionalHttpUrl(field).isEmpty(), field);
    }
    assertEquals(List.of("url_parsing", "url_scheme", "url_type", "url_parsing", "url_parsing"),
        body.errors().stream().map(ValidationError::type).toList());
  }

  @Test
  void emptyBodyIsMissing() {
    ValidationException e = assertThrows(ValidationException.class, () -> fields(""));
    assertEquals("{\"detail\":[{\"type\":\"missing\",\"loc\":[\"body\"],\"msg\":\"Field required\"}]}", detail(e));
  }

  @Test
  void malformedJsonIsJsonInvalidAtItsPosition() {
    ValidationException e = assertThrows(ValidationException.class, () -> fields("{\"a\": tru}"));
    ValidationError error = e.errors().getFirst();
    assertEquals("json_invalid", error.type());
    assertEquals("JSON decode error", error.msg());
    assertEquals("body", error.loc().get(0));
    assertEquals(6L, ((Number) error.loc().get(1)).longValue());
    assertFalse(((String) error.ctx().get("error")).isBlank());
    assertEquals("json_invalid", assertThrows(ValidationException.class, () -> fields("{} {}")).errors().getFirst().type());
    assertEquals("json_invalid", assertThrows(ValidationException.class, () -> fields("{\"a\":1,\"a\":2}")).errors().getFirst().type());
    assertEquals("json_invalid", assertThrows(ValidationException.class, () -> fields("   ")).errors().getFirst().type());
    ValidationException badUtf8 = assertThrows(ValidationException.class,
        () -> BodyFields.of(Request.of("POST", "/x", new byte[] {'{', (byte) 0xC3, '}'})));
    assertEquals("json_invalid", badUtf8.errors().getFirst().type());
  }

  @Test
  void jsonErrorPositionsAgreeWithPythonsJsonModule() {
    // Positions printed by CPython's json.loads for the same inputs (JSONDecodeError.pos).
    Map<String, Integer> python = new java.util.LinkedHashMap<>();
    python.put("{\"deployment_id\": ", 18);
    python.put("{\"a\": tru}", 6);
    python.put("{\"a\": 1 \"b\": 2}", 8);
    python.put("{\"a\": 1,}", 8);
    python.put("{'a': 1}", 1);
    python.put("{} x", 3);
    python.put("[1,2", 4);
    python.put("{\"a\": 01}", 7);
    python.forEach((json, position) -> {
      ValidationException e = assertThrows(ValidationException.class, () -> JsonBody.parse(json.getBytes()));
      assertEquals(List.of("body", (long) position), e.errors().getFirst().loc(), json);
    });
  }

  @Test
  void nonObjectBodyIsModelAttributesType() {
    for (String json : List.of("[1]", "\"x\"", "3", "null")) {
      ValidationException e = assertThrows(ValidationException.class, () -> fields(json));
      assertEquals("{\"detail\":[{\"type\":\"model_attributes_type\",\"loc\":[\"body\"],"
          + "\"msg\":\"Input should be a valid dictionary or object to extract fields from\"}]}", detail(e), json);
    }
  }

  @Test
  void callersCanAddTheirOwnErrors() {
    BodyFields body = BodyFields.of((ObjectNode) Json.object().put("x", 1));
    body.addError("x", "value_error", "Value error, x must be even");
    assertEquals("value_error", assertThrows(ValidationException.class, body::throwIfInvalid).errors().getFirst().type());
    assertEquals("'only'", BodyFields.expected(List.of("only")));
    assertEquals("'a' or 'b'", BodyFields.expected(List.of("a", "b")));
  }
}
