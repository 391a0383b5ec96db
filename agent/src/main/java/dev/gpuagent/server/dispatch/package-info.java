/**
 * The server side of the worker protocol (docs/protocol.md): the {@code /worker/v1/connect}
 * WebSocket endpoint, the connected workers and their slots, the push dispatcher that leases queued
 * runs to free slots, and the sweeper that expires leases and times runs out.
 */
package dev.gpuagent.server.dispatch;
