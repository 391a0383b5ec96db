/**
 * The HTTP foundation of the control plane (and of the worker's {@code /metrics} and {@code
 * /healthz}): Netty 4.1 in the server / initializer / handler shape ({@link
 * dev.gpuagent.server.http.HttpApiServer}, {@link dev.gpuagent.server.http.HttpApiInitializer},
 * {@code HttpApiHandler}), a small {@link dev.gpuagent.server.http.Router} of {@code (method, path
 * pattern) -> handler} with bearer authentication per path prefix, FastAPI-shaped errors ({@link
 * dev.gpuagent.server.http.ApiException}, {@link dev.gpuagent.server.http.ValidationException}),
 * a JSON body reader that collects pydantic-style 422 entries ({@link
 * dev.gpuagent.server.http.BodyFields}), signed expiring URLs ({@link
 * dev.gpuagent.server.http.SignedUrls}) and file streaming. Handlers run on a bounded pool, never
 * on an event loop. Conventions: docs/http.md.
 */
package dev.gpuagent.server.http;
