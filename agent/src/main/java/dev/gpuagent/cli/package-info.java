/**
 * The {@code gpu-agent} command line: one picocli command per mode ({@code run}, {@code nodes},
 * {@code bench}, and later {@code server}, {@code worker}, {@code dev}). This is where objects are
 * wired together with plain constructors; nothing below it reads flags or the environment.
 */
package dev.gpuagent.cli;
