// What a person does with the service, as small steps the tests compose; and the API called as a GitHub Action would.

import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";

export const API_KEY_RE = /rsolv_[0-9A-Za-z]{49}/;

/** A fresh address at a domain the signup accepts. */
export function uniqueEmail(label) {
  return `${label}-${randomBytes(5).toString("hex")}@example.com`;
}

/** The page's visible text of `<main>` (or the body), for messages. */
async function mainText(page) {
  const main = page.locator("main");
  const text = (await main.count()) ? await main.innerText() : await page.locator("body").innerText();
  return text.replace(/\s+\n/g, "\n").trim().slice(0, 1500);
}

/**
 * Clicks (or presses Enter on) a submit button of a POST form and waits for the page that follows. Every successful POST answers 303 (post,
 * redirect, get): that is checked unless `expectRedirect` is false. Returns the final response.
 */
export async function submit(page, button, { expectRedirect = true, keyboard = false } = {}) {
  // `keyboard`: focus the button and press Enter, as a keyboard user does (no pointer hit-testing).
  const act = keyboard ? button.press("Enter") : button.click();
  const [response] = await Promise.all([page.waitForNavigation({ waitUntil: "load" }), act]);
  assert.ok(response, `no response after clicking ${button}`);
  if (expectRedirect) {
    const post = response.request().redirectedFrom();
    if (!post) {
      throw new Error(
        `the form was answered ${response.status()} at ${page.url()}, not with 303 See Other; the page says:\n` +
          (await mainText(page)),
      );
    }
    const postResponse = await post.response();
    assert.equal(post.method(), "POST", `the redirected request was a ${post.method()}, not the form's POST`);
    assert.equal(postResponse?.status(), 303, `POST ${post.url()} answered ${postResponse?.status()}, not 303`);
    assert.ok(response.status() < 400, `after the redirect, ${page.url()} answered ${response.status()}:\n${await mainText(page)}`);
  }
  return response;
}

/** Goes to `path` and returns the final response, failing with the page text on a 4xx/5xx. */
export async function visit(page, path, { okStatus = true } = {}) {
  const response = await page.goto(path, { waitUntil: "load" });
  if (okStatus && response && response.status() >= 400)
    throw new Error(`GET ${path} answered ${response.status()} at ${page.url()}:\n${await mainText(page)}`);
  return response;
}

export function pathOf(page) {
  return new URL(page.url()).pathname;
}

/** The text of the flash message (`<div class="flash" role="status">`), or "" when there is none. */
export async function flashText(page) {
  const flash = page.locator('.flash[role="status"]');
  if ((await flash.count()) === 0) return "";
  return (await flash.allInnerTexts()).join("\n").replace(/\s+/g, " ").trim();
}

export async function assertFlash(page, expected) {
  const text = await flashText(page);
  assert.ok(
    text.includes(expected),
    `expected the flash message "${expected}" on ${page.url()}, found ${text ? `"${text}"` : "no flash"}`,
  );
}

/**
 * Signs up through /signup in `page` and returns { email, name, company, key }; the page is left on /welcome.
 * `check(name)` is called on the signup form and on the welcome page (screenshots and axe), when given.
 */
export async function signUp(page, { email, name = "Ada Lovelace", company = "Analytical Engines Ltd", check } = {}) {
  await visit(page, "/signup");
  if (check) await check("signup");
  await page.locator("#email").fill(email);
  await page.locator("#name").fill(name);
  await page.locator("#company").fill(company);
  await submit(page, page.locator('form[action="/signup"] button[type="submit"]'));
  assert.equal(pathOf(page), "/welcome", `after signing up, the browser is on ${page.url()}`);
  // The welcome page shows the key once, as selectable text or a read-only field (with a copy button).
  const field = page.locator("#api-key");
  let key;
  if (await field.count())
    key = (await field.evaluate((e) => e.tagName)) === "INPUT" ? await field.inputValue() : (await field.textContent()).trim();
  else key = ((await page.content()).match(API_KEY_RE) ?? [])[0];
  assert.match(key ?? "", new RegExp(`^${API_KEY_RE.source}$`), "the welcome page shows no API key");
  if (check) await check("welcome");
  return { email, name, company, key };
}

/** The API, called from Node as the GitHub Action would. Returns { status, body, headers }. */
export async function api(baseUrl, method, path, key, body) {
  const headers = { Accept: "application/json" };
  if (key) headers.Authorization = `Bearer ${key}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const res = await fetch(baseUrl + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, body: json ?? text, headers: res.headers };
}

/** Asserts that `key` is accepted (200) or refused (401) by GET /api/v1/account. */
export async function assertKeyStatus(baseUrl, key, expected, what) {
  const res = await api(baseUrl, "GET", "/api/v1/account", key);
  assert.equal(res.status, expected, `${what}: GET /api/v1/account answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res;
}
