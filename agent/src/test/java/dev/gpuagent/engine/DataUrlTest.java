package dev.gpuagent.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class DataUrlTest {
  private static final long MAX = 1 << 20;

  @Test
  void decodesBase64() throws IOException {
    assertArrayEquals("hello".getBytes(), DataUrl.decode("data:image/png;base64,aGVsbG8=", MAX));
    assertArrayEquals("hello".getBytes(), DataUrl.decode("DATA:image/png;BASE64,aGVsbG8", MAX)); // no padding
    assertArrayEquals("hello".getBytes(), DataUrl.decode("data:;base64,aGVs\r\nbG8=", MAX));
    assertArrayEquals("hello".getBytes(), DataUrl.decode("data:image/png;base64,aGVsbG8%3D", MAX));
  }

  @Test
  void decodesBase64UrlAlphabet() throws IOException {
    byte[] bytes = {(byte) 0xFB, (byte) 0xFF, (byte) 0xBF};
    assertArrayEquals(bytes, DataUrl.decode("data:application/octet-stream;base64,-_-_", MAX));
    assertArrayEquals(bytes, DataUrl.decode("data:application/octet-stream;base64,+/+/", MAX));
  }

  @Test
  void decodesPercentEncodedData() throws IOException {
    assertArrayEquals("a b,c".getBytes(), DataUrl.decode("data:text/plain,a%20b,c", MAX));
    assertArrayEquals(new byte[] {0, (byte) 0xFF}, DataUrl.decode("data:,%00%ff", MAX));
    assertArrayEquals("caf\u00e9".getBytes(StandardCharsets.UTF_8), DataUrl.decode("data:,caf\u00e9", MAX));
    assertArrayEquals(new byte[0], DataUrl.decode("data:,", MAX));
  }

  @Test
  void mediaTypeParametersDoNotMeanBase64() throws IOException {
    assertArrayEquals("aGVsbG8=".getBytes(), DataUrl.decode("data:text/plain;charset=utf-8,aGVsbG8=", MAX));
  }

  @Test
  void malformedDataUrlsAreRefused() {
    assertThrows(IOException.class, () -> DataUrl.decode("data:image/png;base64", MAX));
    assertThrows(IOException.class, () -> DataUrl.decode("data:image/png;base64,@@@@", MAX));
    assertThrows(IOException.class, () -> DataUrl.decode("data:,%zz", MAX));
    assertThrows(IOException.class, () -> DataUrl.decode("data:,%4", MAX));
    assertThrows(IOException.class, () -> DataUrl.decode("http://x", MAX));
  }

  @Test
  void sizeLimitIsEnforcedBeforeDecoding() {
    String big = "data:;base64," + "A".repeat(4 * 1000);
    IOException e = assertThrows(IOException.class, () -> DataUrl.decode(big, 100));
    assertTrue(e.getMessage().contains("limit"), e.getMessage());
    assertThrows(IOException.class, () -> DataUrl.decode("data:," + "x".repeat(101), 100));
  }
}
