/**
 * Who may call the control plane: organisations, their API keys ({@code gak_...}, for the public
 * {@code /api}) and worker tokens ({@code gwt_...}, for the worker endpoints only). Secrets are
 * random 256-bit strings shown once at creation; the store keeps their SHA-256 and a short prefix
 * that identifies them, and compares hashes in constant time. Nothing here logs a secret.
 */
package dev.gpuagent.server.identity;
