// Starts the real `rsolv serve` binary on a free loopback port, on SQLite or on a fresh PostgreSQL database.

import { spawn, execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { copyFileSync, mkdtempSync, mkdirSync, openSync, closeSync, readFileSync, rmSync, existsSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = path.resolve(HERE, "../../..");

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** The binary under test: $RSOLV_BIN, else build/rsolv at the repository root. */
export function serverBinary() {
  const bin = process.env.RSOLV_BIN || path.join(REPO_ROOT, "build", "rsolv");
  if (!existsSync(bin)) throw new Error(`the server binary ${bin} does not exist: set RSOLV_BIN or build it first`);
  return path.resolve(bin);
}

/** The backends to run the suite on: always SQLite, and PostgreSQL when RSOLV_TEST_DATABASE_URL is set. */
export function backends() {
  const list = [{ name: "sqlite" }];
  if (process.env.RSOLV_TEST_DATABASE_URL) list.push({ name: "postgres", adminUrl: process.env.RSOLV_TEST_DATABASE_URL });
  return list;
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function psql(url, sql) {
  return execFileSync("psql", [url, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-At", "-c", sql], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
}

function withDatabase(url, dbName) {
  const u = new URL(url);
  u.pathname = "/" + dbName;
  return u.toString();
}

const running = new Set();
process.on("exit", () => {
  for (const child of running) {
    try {
      child.kill("SIGKILL");
    } catch {
      /* already gone */
    }
  }
});

/**
 * A running server. `await Server.start(backend)`; then `baseUrl`, `mailDir`, `sql(statement)` and `stop()`.
 */
export class Server {
  static async start(backend, { extraEnv = {}, artifactsDir } = {}) {
    const s = new Server(backend);
    s.artifactsDir = artifactsDir;  // the server log is copied there on stop
    await s.#start(extraEnv);
    return s;
  }

  constructor(backend) {
    this.backend = backend;
    this.tmp = mkdtempSync(path.join(os.tmpdir(), `rsolv-browser-${backend.name}-`));
    this.mailDir = path.join(this.tmp, "mail");
    this.logFile = path.join(this.tmp, "server.log");
  }

  async #start(extraEnv) {
    const port = await freePort();
    this.baseUrl = `http://127.0.0.1:${port}`;
    mkdirSync(this.mailDir, { recursive: true });

    if (this.backend.name === "postgres") {
      this.dbName = `rsolv_browser_${process.pid}_${randomBytes(4).toString("hex")}`;
      psql(this.backend.adminUrl, `CREATE DATABASE "${this.dbName}"`);
      this.databaseUrl = withDatabase(this.backend.adminUrl, this.dbName);
    } else {
      this.databaseUrl = `sqlite:${path.join(this.tmp, "rsolv.db")}`;
    }

    const env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME ?? this.tmp,
      LANG: "C.UTF-8",
      RSOLV_DATABASE_URL: this.databaseUrl,
      RSOLV_MAIL_URL: `file:${this.mailDir}`,
      RSOLV_LISTEN: `127.0.0.1:${port}`,
      RSOLV_PUBLIC_URL: this.baseUrl,
      RSOLV_SECRET_KEY: randomBytes(32).toString("hex"),
      RSOLV_VAR_DIR: path.join(this.tmp, "var"),
      RSOLV_DB_POOL_SIZE: "8",
      RSOLV_HTTP_THREADS: "32",
      // Every test signs up its own customer from 127.0.0.1.
      RSOLV_SIGNUPS_PER_IP_PER_HOUR: "100",
      // The suite fills forms faster than a person (issue 9's bot check); the proof-of-work stays off.
      RSOLV_FORM_MIN_FILL_SECONDS: "0",
      RSOLV_SIGNUP_CHALLENGE: "off",
      RSOLV_LOG_LEVEL: "info",
      ...extraEnv,
    };
    this.env = env;
    const log = openSync(this.logFile, "a");
    this.child = spawn(serverBinary(), ["serve"], { env, cwd: this.tmp, stdio: ["ignore", log, log] });
    closeSync(log);
    running.add(this.child);
    this.exited = new Promise((resolve) =>
      this.child.on("exit", (code, signal) => {
        running.delete(this.child);
        resolve({ code, signal });
      }),
    );

    const deadline = Date.now() + 30_000;
    let last = "no answer";
    for (;;) {
      if (this.child.exitCode !== null || this.child.signalCode !== null)
        throw new Error(`rsolv serve exited (${this.child.exitCode ?? this.child.signalCode}) before it was ready:\n${this.logTail()}`);
      try {
        const res = await fetch(`${this.baseUrl}/readyz`, { signal: AbortSignal.timeout(2000) });
        if (res.status === 200) break;
        last = `${res.status} ${await res.text()}`;
      } catch (e) {
        last = e.message;
      }
      if (Date.now() > deadline) {
        await this.stop();
        throw new Error(`GET /readyz never answered 200 in 30 s (last: ${last}):\n${this.logTail()}`);
      }
      await sleep(100);
    }
  }

  logTail(lines = 40) {
    try {
      return readFileSync(this.logFile, "utf8").split("\n").slice(-lines).join("\n");
    } catch {
      return "(no log)";
    }
  }

  /** Runs one SQL statement on the server's database (sqlite3 or psql command-line client); returns its output. */
  sql(statement) {
    if (this.backend.name === "postgres") return psql(this.databaseUrl, statement);
    const file = this.databaseUrl.slice("sqlite:".length);
    return execFileSync("sqlite3", ["-cmd", ".timeout 10000", file, statement], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
  }

  /** Runs `rsolv <args>` (e.g. `admin operators add ...`) against the server's database; returns its standard output. */
  cli(args) {
    return execFileSync(serverBinary(), args, { env: this.env, cwd: this.tmp, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  }

  /** Makes a scheduled job due now (the onboarding emails are scheduled a day or more after signup). */
  makeJobDue(uniqueKey) {
    const quoted = `'${uniqueKey.replace(/'/g, "''")}'`;
    const past = this.backend.name === "postgres" ? "now() - interval '1 minute'" : "'2000-01-01T00:00:00.000000Z'";
    this.sql(`UPDATE jobs SET run_at = ${past} WHERE unique_key = ${quoted} AND state IN ('available', 'retryable')`);
  }

  async stop() {
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill("SIGTERM");
      // `serve` gives running jobs 20 s to finish on SIGTERM.
      let timer;
      const timeout = new Promise((resolve) => (timer = setTimeout(() => resolve(null), 25_000)));
      const done = await Promise.race([this.exited, timeout]);
      clearTimeout(timer);
      if (!done) {
        console.error(`rsolv serve did not stop within 25 s of SIGTERM: killing it`);
        this.child.kill("SIGKILL");
        await this.exited;
      }
    }
    if (this.dbName) {
      try {
        psql(this.backend.adminUrl, `DROP DATABASE IF EXISTS "${this.dbName}" WITH (FORCE)`);
      } catch (e) {
        console.error(`could not drop the test database ${this.dbName}: ${e.stderr || e.message}`);
      }
      this.dbName = undefined;
    }
    if (this.artifactsDir) {
      try {
        mkdirSync(this.artifactsDir, { recursive: true });
        copyFileSync(this.logFile, path.join(this.artifactsDir, "server.log"));
      } catch {
        /* no log to keep */
      }
    }
    if (!process.env.RSOLV_BROWSER_KEEP_TMP) rmSync(this.tmp, { recursive: true, force: true });
  }
}
