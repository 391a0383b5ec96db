-- gpu-agent control-plane schema, version 1.
-- Portable SQL: it runs unchanged on SQLite (3.35+) and PostgreSQL (13+). Conventions:
--   ids are UUIDs as 36-character lower-case text; timestamps are UTC epoch milliseconds (BIGINT);
--   JSON documents are text; booleans are BOOLEAN (SQLite stores 0/1).
-- Statements end with ';' at the end of a line (the migration runner splits on that).

CREATE TABLE organisations (
  id          TEXT PRIMARY KEY,
  name        TEXT NOT NULL UNIQUE,
  run_counter BIGINT NOT NULL DEFAULT 0,
  created_at  BIGINT NOT NULL
);

-- API keys: only the SHA-256 of the key is stored; prefix ('gak_' and 8 more characters) identifies it.
CREATE TABLE api_keys (
  id         TEXT PRIMARY KEY,
  org_id     TEXT NOT NULL REFERENCES organisations (id),
  name       TEXT,
  prefix     TEXT NOT NULL,
  key_hash   TEXT NOT NULL UNIQUE,
  created_at BIGINT NOT NULL,
  revoked_at BIGINT
);
CREATE INDEX api_keys_prefix ON api_keys (prefix);

-- Worker tokens ('gwt_...'): same scheme; they belong to the control plane, not to an organisation.
CREATE TABLE worker_tokens (
  id         TEXT PRIMARY KEY,
  name       TEXT,
  prefix     TEXT NOT NULL,
  token_hash TEXT NOT NULL UNIQUE,
  created_at BIGINT NOT NULL,
  revoked_at BIGINT
);
CREATE INDEX worker_tokens_prefix ON worker_tokens (prefix);

CREATE TABLE deployments (
  id            TEXT PRIMARY KEY,
  org_id        TEXT NOT NULL REFERENCES organisations (id),
  name          TEXT NOT NULL,
  workflow_api  TEXT NOT NULL,
  input_schema  TEXT NOT NULL,
  gpu           TEXT,
  run_timeout_s INTEGER NOT NULL DEFAULT 300,
  created_at    BIGINT NOT NULL,
  updated_at    BIGINT NOT NULL
);
CREATE INDEX deployments_org ON deployments (org_id, created_at);

CREATE TABLE runs (
  id                          TEXT PRIMARY KEY,
  org_id                      TEXT NOT NULL REFERENCES organisations (id),
  number                      BIGINT NOT NULL,
  deployment_id               TEXT REFERENCES deployments (id),
  workflow_api                TEXT NOT NULL,
  workflow_inputs             TEXT NOT NULL,
  status                      TEXT NOT NULL,
  origin                      TEXT NOT NULL,
  gpu_requested               TEXT,
  gpu                         TEXT,
  machine_id                  TEXT,
  gpu_event_id                TEXT,
  attempt                     INTEGER NOT NULL DEFAULT 0,
  lease_expiries              INTEGER NOT NULL DEFAULT 0,
  max_attempts                INTEGER NOT NULL,
  fencing_token               BIGINT NOT NULL DEFAULT 0,
  lease_expires_at            BIGINT,
  run_timeout_s               INTEGER NOT NULL,
  deadline_at                 BIGINT,
  queue_seq                   BIGINT NOT NULL,
  live_status                 TEXT,
  progress                    DOUBLE PRECISION NOT NULL DEFAULT 0,
  webhook                     TEXT,
  webhook_status              TEXT,
  webhook_intermediate_status BOOLEAN NOT NULL DEFAULT FALSE,
  webhook_seq                 BIGINT NOT NULL DEFAULT 0,
  outputs                     TEXT,
  error                       TEXT,
  created_at                  BIGINT NOT NULL,
  queued_at                   BIGINT,
  started_at                  BIGINT,
  ended_at                    BIGINT,
  updated_at                  BIGINT NOT NULL,
  UNIQUE (org_id, number)
);
-- queue_seq orders the queue (FIFO); a re-queued run keeps its place. The partial index holds only
-- queued runs: the claim walks it in order and filters the GPU type.
CREATE UNIQUE INDEX runs_queue_seq ON runs (queue_seq);
CREATE INDEX runs_queued ON runs (queue_seq) WHERE status = 'queued';
-- The sweepers: only leased runs carry a lease expiry and a deadline.
CREATE INDEX runs_lease_expiry ON runs (lease_expires_at) WHERE lease_expires_at IS NOT NULL;
CREATE INDEX runs_deadline ON runs (deadline_at) WHERE deadline_at IS NOT NULL;
-- A worker's live leases (renewal, resumption after a reconnect).
CREATE INDEX runs_worker ON runs (machine_id) WHERE status IN ('started', 'running', 'uploading');
CREATE INDEX runs_org_created ON runs (org_id, created_at);

-- Files a run produced (the bytes live in the server's output storage under storage_key).
CREATE TABLE run_outputs (
  run_id       TEXT NOT NULL REFERENCES runs (id),
  attempt      INTEGER NOT NULL,
  node_id      TEXT NOT NULL,
  class_type   TEXT NOT NULL,
  filename     TEXT NOT NULL,
  media_type   TEXT NOT NULL,
  size_bytes   BIGINT NOT NULL,
  sha256       TEXT NOT NULL,
  storage_key  TEXT NOT NULL,
  created_at   BIGINT NOT NULL,
  PRIMARY KEY (run_id, attempt, node_id, filename)
);

-- Webhook events per run, delivered in seq order; status: pending, delivered, failed.
CREATE TABLE webhook_deliveries (
  run_id          TEXT NOT NULL REFERENCES runs (id),
  seq             BIGINT NOT NULL,
  event_type      TEXT NOT NULL,
  payload         TEXT NOT NULL,
  status          TEXT NOT NULL,
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at BIGINT NOT NULL,
  last_error      TEXT,
  created_at      BIGINT NOT NULL,
  delivered_at    BIGINT,
  PRIMARY KEY (run_id, seq)
);
CREATE INDEX webhook_deliveries_pending ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
