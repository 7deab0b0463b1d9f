// Reads the emails the server wrote with RSOLV_MAIL_URL=file:DIR: one RFC 5322 message per `.eml` file.
//
// A small MIME reader, enough for what the server sends: folded headers, RFC 2047 encoded words, multipart bodies
// (nested too), quoted-printable and base64 transfer encodings, and the part's charset.

import { readdirSync, readFileSync, existsSync } from "node:fs";
import path from "node:path";

// ---- decoding --------------------------------------------------------------------------------------------------

function decodeBytes(bytes, charset = "utf-8") {
  try {
    return new TextDecoder(charset.toLowerCase(), { fatal: false }).decode(bytes);
  } catch {
    return new TextDecoder("utf-8").decode(bytes);  // an unknown charset label
  }
}

/** Quoted-printable (RFC 2045 6.7) to bytes: soft line breaks vanish, `=XX` is one byte. */
export function decodeQuotedPrintable(text) {
  const unfolded = text.replace(/=\r?\n/g, "");
  const bytes = [];
  for (let i = 0; i < unfolded.length; ++i) {
    const c = unfolded[i];
    if (c === "=" && /^[0-9A-Fa-f]{2}$/.test(unfolded.slice(i + 1, i + 3))) {
      bytes.push(parseInt(unfolded.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      // Non-ASCII should not appear in a QP body; keep it as its UTF-8 bytes if it does.
      for (const b of Buffer.from(c, "utf8")) bytes.push(b);
    }
  }
  return Buffer.from(bytes);
}

function decodeTransfer(body, encoding) {
  switch ((encoding || "7bit").trim().toLowerCase()) {
    case "quoted-printable":
      return decodeQuotedPrintable(body);
    case "base64":
      return Buffer.from(body.replace(/[^A-Za-z0-9+/=]/g, ""), "base64");
    default:
      return Buffer.from(body, "utf8");
  }
}

/** RFC 2047 encoded words (`=?UTF-8?B?...?=`, `=?UTF-8?Q?...?=`) in a header value. */
export function decodeEncodedWords(value) {
  return value
    .replace(/(=\?[^?]+\?[BbQq]\?[^?]*\?=)\s+(?==\?)/g, "$1")  // whitespace between two encoded words is dropped
    .replace(/=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g, (_, charset, enc, text) => {
      const bytes =
        enc.toUpperCase() === "B"
          ? Buffer.from(text, "base64")
          : decodeQuotedPrintable(text.replace(/_/g, " "));
      return decodeBytes(bytes, charset);
    });
}

/** `type/subtype; a=b; c="d"` -> { type, params }. */
function parseContentType(value) {
  const [type, ...rest] = (value || "text/plain").split(";");
  const params = {};
  for (const p of rest) {
    const eq = p.indexOf("=");
    if (eq < 0) continue;
    let v = p.slice(eq + 1).trim();
    if (v.startsWith('"') && v.endsWith('"')) v = v.slice(1, -1).replace(/\\(.)/g, "$1");
    params[p.slice(0, eq).trim().toLowerCase()] = v;
  }
  return { type: type.trim().toLowerCase(), params };
}

/** Splits a message or a MIME part into headers (lower-case names -> list of values) and its raw body. */
function splitEntity(raw) {
  const m = /\r?\n\r?\n/.exec(raw);
  const head = m ? raw.slice(0, m.index) : raw;
  const body = m ? raw.slice(m.index + m[0].length) : "";
  const headers = new Map();
  for (const line of head.split(/\r?\n(?![ \t])/)) {
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).replace(/\r?\n[ \t]+/g, " ").trim();
    if (!headers.has(name)) headers.set(name, []);
    headers.get(name).push(value);
  }
  return { headers, body };
}

/** The leaf parts of an entity, depth first: [{ type, charset, text }]. Throws on an unfinished multipart. */
function leafParts(raw) {
  const { headers, body } = splitEntity(raw);
  const ct = parseContentType(headers.get("content-type")?.[0]);
  if (ct.type.startsWith("multipart/")) {
    const boundary = ct.params.boundary;
    if (!boundary) throw new Error("multipart without a boundary");
    const esc = boundary.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    const close = new RegExp(`(^|\\r?\\n)--${esc}--`);
    if (!close.test(body)) throw new Error(`multipart not closed (--${boundary}--): the file may still be written`);
    const inner = body.slice(0, body.search(close));
    const pieces = inner.split(new RegExp(`(?:^|\\r?\\n)--${esc}[ \\t]*\\r?\\n`));
    return pieces.slice(1).flatMap((piece) => leafParts(piece));
  }
  const bytes = decodeTransfer(body, headers.get("content-transfer-encoding")?.[0]);
  return [{ type: ct.type, charset: ct.params.charset || "us-ascii", text: decodeBytes(bytes, ct.params.charset || "utf-8") }];
}

function addressesIn(value) {
  // `"Name" <a@b.c>, d@e.f`: take what is in angle brackets, else the bare tokens with an @.
  const out = [];
  for (const m of value.matchAll(/<([^<>\s]+@[^<>\s]+)>/g)) out.push(m[1].toLowerCase());
  if (out.length === 0) for (const m of value.matchAll(/[^\s<>,"]+@[^\s<>,"]+/g)) out.push(m[0].toLowerCase());
  return out;
}

function decodeHtmlEntities(s) {
  return s
    .replace(/&amp;/g, "&")
    .replace(/&#x([0-9a-f]+);/gi, (_, h) => String.fromCodePoint(parseInt(h, 16)))
    .replace(/&#(\d+);/g, (_, d) => String.fromCodePoint(Number(d)))
    .replace(/&quot;/g, '"')
    .replace(/&#39;|&apos;/g, "'")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">");
}

/** Parses one RFC 5322 message. */
export function parseMessage(raw, file = "") {
  const { headers } = splitEntity(raw);
  const parts = leafParts(raw);
  const header = (name) => {
    const v = headers.get(name.toLowerCase());
    return v ? decodeEncodedWords(v[0]) : undefined;
  };
  const text = parts.filter((p) => p.type === "text/plain").map((p) => p.text).join("\n");
  const html = parts.filter((p) => p.type === "text/html").map((p) => p.text).join("\n");
  return {
    file,
    headers,
    header,
    subject: header("subject") ?? "",
    to: addressesIn(header("to") ?? ""),
    from: header("from") ?? "",
    text,
    html,
    parts,
    /** Every absolute http(s) URL in the text part, the HTML hrefs and List-Unsubscribe, in that order, unique. */
    links() {
      const found = [];
      for (const m of text.matchAll(/https?:\/\/[^\s<>"'()[\]]+/g)) found.push(m[0].replace(/[.,;:!?]+$/, ""));
      for (const m of html.matchAll(/href\s*=\s*"([^"]*)"/gi)) found.push(decodeHtmlEntities(m[1]));
      for (const m of html.matchAll(/href\s*=\s*'([^']*)'/gi)) found.push(decodeHtmlEntities(m[1]));
      for (const m of (header("list-unsubscribe") ?? "").matchAll(/<([^>]+)>/g)) found.push(m[1]);
      return [...new Set(found)];
    },
  };
}

// ---- the mail folder ---------------------------------------------------------------------------------------------

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export class Mailbox {
  constructor(dir, publicUrl) {
    this.dir = dir;
    this.publicUrl = publicUrl.replace(/\/+$/, "");
  }

  /** The names of the `.eml` files now in the folder, oldest first (the server names them by time). */
  files() {
    if (!existsSync(this.dir)) return [];
    return readdirSync(this.dir).filter((f) => f.endsWith(".eml")).sort();
  }

  /** A set of the files there now: pass it as `ignore` to wait only for mail sent after this point. */
  snapshot() {
    return new Set(this.files());
  }

  /** Every complete message in the folder (files still being written are left out). */
  all() {
    const out = [];
    for (const f of this.files()) {
      try {
        out.push(parseMessage(readFileSync(path.join(this.dir, f), "utf8"), f));
      } catch {
        /* not complete yet */
      }
    }
    return out;
  }

  /**
   * Waits (polling, up to `timeoutMs`) for a message addressed To `to` whose subject contains `subject` (both
   * optional, case-insensitive), that is not in `ignore` and passes `where`. Returns the oldest such message.
   */
  async waitFor({ to, subject, ignore = new Set(), where = () => true, timeoutMs = 10_000 } = {}) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = this.all().find(
        (m) =>
          !ignore.has(m.file) &&
          (!to || m.to.includes(to.toLowerCase())) &&
          (!subject || m.subject.toLowerCase().includes(subject.toLowerCase())) &&
          where(m),
      );
      if (match) return match;
      if (Date.now() > deadline) {
        const seen = this.all().map((m) => `  ${m.file}: To ${m.to.join(", ")}, Subject "${m.subject}"`);
        throw new Error(
          `no email To ${to ?? "anyone"} with a subject containing "${subject ?? ""}" arrived in ${timeoutMs} ms ` +
            `in ${this.dir}; the folder holds:\n${seen.join("\n") || "  (nothing)"}`,
        );
      }
      await sleep(100);
    }
  }

  /** The links of a message that point at the service (start with the public URL). */
  serviceLinks(message) {
    return message.links().filter((l) => l === this.publicUrl || l.startsWith(this.publicUrl + "/"));
  }
}
