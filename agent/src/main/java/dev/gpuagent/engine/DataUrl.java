package dev.gpuagent.engine;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;

/** RFC 2397 {@code data:[<mediatype>][;base64],<data>} URLs, base64 or percent-encoded. */
final class DataUrl {
  private DataUrl() {}

  static boolean isDataUrl(String reference) {
    return reference.regionMatches(true, 0, "data:", 0, 5);
  }

  /** The decoded payload; refuses one that would exceed {@code maxBytes} before decoding it. */
  static byte[] decode(String url, long maxBytes) throws IOException {
    if (!isDataUrl(url)) {
      throw new IOException("not a data: URL");
    }
    int comma = url.indexOf(',');
    if (comma < 0) {
      throw new IOException("data: URL has no ',' before its data");
    }
    String meta = url.substring(5, comma);
    boolean base64 = false;
    String[] params = meta.split(";");
    if (params.length > 0 && params[params.length - 1].trim().toLowerCase(Locale.ROOT).equals("base64")) {
      base64 = true;
    }
    String payload = url.substring(comma + 1);
    if (base64) {
      long estimate = payload.length() / 4L * 3;
      if (estimate > maxBytes + 3) {
        throw tooLarge(estimate, maxBytes);
      }
      String text = payload.indexOf('%') >= 0
          ? new String(percentDecode(payload), StandardCharsets.ISO_8859_1)
          : payload;
      text = text.replaceAll("[\\s]", "");
      byte[] bytes;
      try {
        bytes = text.indexOf('-') >= 0 || text.indexOf('_') >= 0
            ? Base64.getUrlDecoder().decode(text)
            : Base64.getDecoder().decode(text);
      } catch (IllegalArgumentException e) {
        throw new IOException("data: URL has invalid base64 data: " + e.getMessage());
      }
      if (bytes.length > maxBytes) {
        throw tooLarge(bytes.length, maxBytes);
      }
      return bytes;
    }
    byte[] bytes = percentDecode(payload);
    if (bytes.length > maxBytes) {
      throw tooLarge(bytes.length, maxBytes);
    }
    return bytes;
  }

  /** %XX escapes to bytes; other characters as UTF-8. */
  private static byte[] percentDecode(String s) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
    int i = 0;
    while (i < s.length()) {
      char ch = s.charAt(i);
      if (ch == '%') {
        if (i + 3 > s.length()) {
          throw new IOException("data: URL has a truncated %-escape at position " + i);
        }
        int hi = Character.digit(s.charAt(i + 1), 16);
        int lo = Character.digit(s.charAt(i + 2), 16);
        if (hi < 0 || lo < 0) {
          throw new IOException("data: URL has an invalid %-escape at position " + i);
        }
        out.write(hi << 4 | lo);
        i += 3;
      } else {
        int end = i;
        while (end < s.length() && s.charAt(end) != '%') {
          end++;
        }
        out.writeBytes(s.substring(i, end).getBytes(StandardCharsets.UTF_8));
        i = end;
      }
    }
    return out.toByteArray();
  }

  private static IOException tooLarge(long size, long max) {
    return new IOException("data: URL holds about " + size + " bytes, more than the limit of " + max);
  }
}
