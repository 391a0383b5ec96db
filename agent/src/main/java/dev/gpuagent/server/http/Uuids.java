package dev.gpuagent.server.http;

import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Strict UUID parsing with pydantic's {@code uuid_parsing} messages (pydantic uses the Rust uuid
 * crate: hyphenated, 32-digit simple, braced and {@code urn:uuid:} forms). {@link UUID#fromString}
 * is not used: it accepts strings such as {@code 1-1-1-1-1}.
 */
public final class Uuids {
  private static final int[] GROUPS = {8, 4, 4, 4, 12};

  private Uuids() {}

  /** The UUID, or a 422 {@code uuid_parsing} at {@code loc}. */
  public static UUID parse(String text, List<Object> loc) {
    String problem = problem(text);
    if (problem != null) {
      throw new ValidationException(
          new ValidationError(
              "uuid_parsing",
              loc,
              "Input should be a valid UUID, " + problem,
              Map.of("error", problem)));
    }
    String hex = digits(text).replace("-", "");
    return new UUID(Long.parseUnsignedLong(hex, 0, 16, 16), Long.parseUnsignedLong(hex, 16, 32, 16));
  }

  /** What is wrong with {@code text} as a UUID, in the uuid crate's words, or null if nothing. */
  static String problem(String text) {
    String digits = digits(text);
    int offset = text.length() - digits.length() - (text.startsWith("{") ? 1 : 0);
    for (int i = 0; i < digits.length(); ) {
      int c = digits.codePointAt(i);
      if (!(c == '-' || Character.digit(c, 16) >= 0 && c < 128)) {
        return "invalid character: expected an optional prefix of `urn:uuid:` followed by"
            + " [0-9a-fA-F-], found `" + Character.toString(c) + "` at " + (offset + i + 1);
      }
      i += Character.charCount(c);
    }
    if (digits.indexOf('-') < 0) {
      return digits.length() == 32
          ? null
          : "invalid length: expected length 32 for simple format, found " + digits.length();
    }
    String[] groups = digits.split("-", -1);
    if (groups.length != GROUPS.length) {
      return "invalid group count: expected 5, found " + groups.length;
    }
    for (int g = 0; g < groups.length; g++) {
      if (groups[g].length() != GROUPS[g]) {
        return "invalid group length in group " + g + ": expected " + GROUPS[g] + ", found "
            + groups[g].length();
      }
    }
    return null;
  }

  /** The digits and hyphens, without a braced or {@code urn:uuid:} wrapper. */
  private static String digits(String text) {
    if (text.length() == 45 && text.regionMatches(true, 0, "urn:uuid:", 0, 9)) {
      return text.substring(9);
    }
    if (text.length() == 38 && text.startsWith("{") && text.endsWith("}")) {
      return text.substring(1, 37);
    }
    return text;
  }
}
