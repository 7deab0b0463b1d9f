-- Built-in alerting (README "Monitoring"): the state of each alert, the cluster's last evaluation, and a heartbeat
-- per running instance.
CREATE TABLE alert_states (
    name             TEXT PRIMARY KEY,
    firing           INTEGER NOT NULL DEFAULT 0,
    announced        INTEGER NOT NULL DEFAULT 0,  -- a "firing" notification went out for the current firing
    since            TEXT,
    detail           TEXT NOT NULL DEFAULT '',
    last_notified_at TEXT,
    updated_at       TEXT NOT NULL
);

CREATE TABLE alert_evaluations (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    last_run_at TEXT NOT NULL,
    instance    TEXT NOT NULL
);

CREATE TABLE instance_heartbeats (
    instance     TEXT PRIMARY KEY,
    last_seen_at TEXT NOT NULL
);

CREATE INDEX jobs_dead ON jobs (finished_at) WHERE state = 'dead';
