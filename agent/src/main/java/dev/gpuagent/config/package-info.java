/**
 * Layered settings shared by the roles: command-line flag > {@code GPU_AGENT_*} environment variable >
 * YAML file > built-in default, with unknown YAML keys refused so a typo cannot pass silently.
 */
package dev.gpuagent.config;
