/**
 * Benchmarks behind {@code gpu-agent bench}: each prints a table and can write its figures as JSON.
 * Performance targets are shown here, never asserted by timed unit tests.
 */
package dev.gpuagent.bench;
