package dev.gpuagent.protocol;

/**
 * A file an output node produced and the worker uploaded, named as in the upload URL.
 *
 * @param subfolder {@code ""} when the file has none
 * @param type {@code output} (SaveImage) or {@code temp} (PreviewImage)
 */
public record OutputImage(String filename, String subfolder, String type) {
  public OutputImage {
    OutputNames.checkFilename(filename);
    subfolder = subfolder == null ? "" : subfolder;
    OutputNames.checkSubfolder(subfolder);
    Check.id(type, "type");
  }
}
