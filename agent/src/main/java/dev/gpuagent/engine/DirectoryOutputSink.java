package dev.gpuagent.engine;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Writes output files into a folder, named as ComfyUI's {@code folder_paths.get_save_image_path}
 * names them: {@code {prefix}_{counter:05}_.{extension}} where the counter is one more than the
 * highest counter already used by files of that prefix in the target folder. A prefix may name
 * subfolders ({@code "a/b/name"} saves {@code name_00001_.png} into {@code a/b}); a prefix that
 * would leave the folder (absolute, or {@code ..} past the root, or through a symbolic link) is
 * refused.
 *
 * <p>Files of type {@code output} go to the output folder, files of type {@code temp} (PreviewImage)
 * to the temp folder: by default the sibling {@code temp} of the output folder, as ComfyUI keeps
 * {@code temp/} beside {@code output/}. Safe for concurrent use: the name is reserved under a lock
 * by creating the file exclusively (so other processes writing the same folder cannot take it
 * either), and the data is written to a hidden temporary file and moved into place, so readers never
 * see a half-written file.
 */
public final class DirectoryOutputSink implements OutputSink {
  public static final String OUTPUT = "output";
  public static final String TEMP = "temp";

  private static final Pattern EXTENSION = Pattern.compile("[A-Za-z0-9]{1,16}");

  private final Path outputDir;
  private final Path tempDir;
  private final Object reserveLock = new Object();

  /** Output into {@code outputDir}, previews into its sibling {@code temp}. */
  public DirectoryOutputSink(Path outputDir) {
    this(outputDir, siblingTemp(outputDir));
  }

  public DirectoryOutputSink(Path outputDir, Path tempDir) {
    this.outputDir = Objects.requireNonNull(outputDir, "outputDir").toAbsolutePath().normalize();
    this.tempDir = Objects.requireNonNull(tempDir, "tempDir").toAbsolutePath().normalize();
  }

  private static Path siblingTemp(Path outputDir) {
    Path abs = outputDir.toAbsolutePath().normalize();
    Path parent = abs.getParent();
    return parent == null ? abs.resolve(TEMP) : parent.resolve(TEMP);
  }

  public Path outputDir() {
    return outputDir;
  }

  public Path tempDir() {
    return tempDir;
  }

  @Override
  public OutputFile store(String prefix, String extension, String type, byte[] data) throws IOException {
    Objects.requireNonNull(data, "data");
    Path root = switch (String.valueOf(type)) {
      case OUTPUT -> outputDir;
      case TEMP -> tempDir;
      default -> throw new IOException("unknown output type '" + type + "' (expected output or temp)");
    };
    if (extension == null || !EXTENSION.matcher(extension).matches()) {
      throw new IOException("invalid file extension '" + extension + "'");
    }
    Target target = resolve(root, prefix);
    Files.createDirectories(root);
    Path realRoot = root.toRealPath();
    // check the deepest folder that exists before creating any: a symbolic link on the way must
    // not lead the new subfolders outside the root
    Path existing = target.folder();
    while (!Files.exists(existing)) {
      existing = existing.getParent();
    }
    if (!existing.toRealPath().startsWith(realRoot)) {
      throw new IOException("filename prefix '" + prefix + "' leads outside the " + type + " folder");
    }
    Files.createDirectories(target.folder());
    if (!target.folder().toRealPath().startsWith(realRoot)) {
      throw new IOException("filename prefix '" + prefix + "' leads outside the " + type + " folder");
    }
    Path file = reserve(target.folder(), target.name(), extension);
    Path partial = target.folder().resolve("." + file.getFileName() + ".partial");
    try {
      Files.write(partial, data);
      try {
        Files.move(partial, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(partial, file, StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(partial);
      Files.deleteIfExists(file);
      throw e;
    }
    return new OutputFile(file.getFileName().toString(), target.subfolder(), type, null);
  }

  private record Target(Path folder, String subfolder, String name) {}

  /** Splits and checks a prefix: {@code "a/b/name"} is folder root/a/b, subfolder "a/b", name "name". */
  private static Target resolve(Path root, String prefix) throws IOException {
    if (prefix == null || prefix.isBlank()) {
      throw new IOException("the filename prefix is empty");
    }
    for (int i = 0; i < prefix.length(); i++) {
      char ch = prefix.charAt(i);
      if (ch < 0x20 || ch == 0x7F || ch == '\\') {
        throw new IOException("filename prefix '" + printable(prefix) + "' contains a control character or backslash");
      }
    }
    if (prefix.endsWith("/")) {
      throw new IOException("filename prefix '" + prefix + "' has no file name after its last '/'");
    }
    Path relative;
    try {
      relative = Path.of(prefix);
    } catch (InvalidPathException e) {
      throw new IOException("invalid filename prefix '" + prefix + "': " + e.getReason());
    }
    if (relative.isAbsolute() || prefix.startsWith("/")) {
      throw new IOException("filename prefix '" + prefix + "' is an absolute path; use a path inside the folder");
    }
    Path normalized = relative.normalize();
    Path folder = root.resolve(normalized).normalize().getParent();
    if (normalized.toString().isEmpty() || normalized.startsWith("..") || folder == null || !folder.startsWith(root)) {
      throw new IOException("filename prefix '" + prefix + "' leads outside the folder");
    }
    Path fileName = normalized.getFileName();
    String name = fileName == null ? "" : fileName.toString();
    if (name.isEmpty() || name.equals(".") || name.equals("..")) {
      throw new IOException("filename prefix '" + prefix + "' has no file name");
    }
    Path parent = normalized.getParent();
    String subfolder = parent == null ? "" : parent.toString().replace('\\', '/');
    return new Target(folder, subfolder, name);
  }

  /** Creates the next free {@code name_NNNNN_.ext} exclusively and returns it. */
  private Path reserve(Path folder, String name, String extension) throws IOException {
    synchronized (reserveLock) {
      int counter = nextCounter(folder, name);
      while (true) {
        Path file = folder.resolve(String.format("%s_%05d_.%s", name, counter, extension));
        try {
          Files.createFile(file);
          return file;
        } catch (FileAlreadyExistsException e) {
          counter++;
        }
      }
    }
  }

  /**
   * ComfyUI's rule: a file counts when it starts with {@code name + "_"}; its counter is the number
   * before the next {@code _} (0 when that is not a number); the result is the highest plus one.
   */
  static int nextCounter(Path folder, String name) throws IOException {
    int highest = 0;
    try (DirectoryStream<Path> files = Files.newDirectoryStream(folder)) {
      for (Path f : files) {
        String file = f.getFileName().toString();
        if (file.length() <= name.length() || !file.startsWith(name) || file.charAt(name.length()) != '_') {
          continue;
        }
        int end = file.indexOf('_', name.length() + 1);
        String digits = file.substring(name.length() + 1, end < 0 ? file.length() : end);
        highest = Math.max(highest, parseCounter(digits));
      }
    }
    return highest + 1;
  }

  private static int parseCounter(String digits) {
    if (digits.isEmpty() || digits.length() > 9) {
      return 0;
    }
    for (int i = 0; i < digits.length(); i++) {
      if (digits.charAt(i) < '0' || digits.charAt(i) > '9') {
        return 0;
      }
    }
    return Integer.parseInt(digits);
  }

  private static String printable(String s) {
    return s.replaceAll("\\p{Cntrl}", "?");
  }
}
