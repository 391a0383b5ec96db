/**
 * The public run API (DESIGN section 2, docs/api.md): queue, get and cancel runs, deployments and the
 * node listing, under {@code /api} with organisation API keys. Handlers validate, then call the stores;
 * they hold no state of their own.
 */
package dev.gpuagent.server.api;
