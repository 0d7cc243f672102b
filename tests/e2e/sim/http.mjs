// Small response helpers shared by the simulated hosts. node:http only, no framework.

import { SCENARIO_HEADER } from './constants.mjs';

const HTML_ESCAPES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(value) {
  return String(value).replace(/[&<>"']/g, (ch) => HTML_ESCAPES[ch]);
}

/** Tagged template for HTML: interpolated values are escaped unless wrapped with raw(). */
export function html(strings, ...values) {
  let out = strings[0];
  values.forEach((value, i) => {
    out += render(value) + strings[i + 1];
  });
  return new RawHtml(out);
}

class RawHtml {
  constructor(text) { this.text = text; }
  toString() { return this.text; }
}

/** Marks already-safe markup so html`` does not escape it. */
export function raw(text) {
  return new RawHtml(String(text));
}

function render(value) {
  if (value instanceof RawHtml) return value.text;
  if (Array.isArray(value)) return value.map(render).join('');
  if (value === null || value === undefined || value === false) return '';
  return escapeHtml(value);
}

export function send(res, status, body, headers = {}) {
  const buffer = Buffer.isBuffer(body) ? body : Buffer.from(String(body ?? ''));
  res.writeHead(status, { 'Content-Length': buffer.length, ...headers });
  res.end(buffer);
}

export function sendHtml(res, status, page, headers = {}) {
  send(res, status, String(page), { 'Content-Type': 'text/html; charset=utf-8', ...headers });
}

export function sendJson(res, status, value, headers = {}) {
  send(res, status, JSON.stringify(value, null, 2), { 'Content-Type': 'application/json', ...headers });
}

/** 302 for plain redirects, 303 after a form POST (RFC 9700 §4.12 forbids 307 there). */
export function redirect(res, status, location, headers = {}) {
  send(res, status, '', { Location: location, ...headers });
}

export function notFound(res, headers = {}) {
  sendJson(res, 404, { error: 'not_found' }, headers);
}

const MAX_BODY_BYTES = 64 * 1024;

export async function readBody(req) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new Error('request body too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Parses an application/x-www-form-urlencoded body into a plain object (last value wins). */
export async function readForm(req) {
  return Object.fromEntries(new URLSearchParams(await readBody(req)));
}

export async function readJson(req) {
  const text = await readBody(req);
  if (!text) return {};
  return JSON.parse(text);
}

/**
 * CORS for the browser-side MCP client: only its origin is allowed, and WWW-Authenticate is exposed so
 * the client can read the 401 challenge. Also answers Private Network Access preflights, since every
 * simulated host resolves to 127.0.0.1.
 */
export function corsHeaders(req, allowedOrigin) {
  if (req.headers.origin !== allowedOrigin) return {};
  return {
    'Access-Control-Allow-Origin': allowedOrigin,
    'Access-Control-Expose-Headers': 'WWW-Authenticate, Mcp-Session-Id',
    Vary: 'Origin',
  };
}

const ALLOWED_REQUEST_HEADERS = [
  'Accept', 'Authorization', 'Content-Type', 'MCP-Protocol-Version', 'Mcp-Session-Id', SCENARIO_HEADER,
].join(', ');

export function answerPreflight(req, res, allowedOrigin) {
  const headers = corsHeaders(req, allowedOrigin);
  if (headers['Access-Control-Allow-Origin']) {
    headers['Access-Control-Allow-Methods'] = 'GET, POST, OPTIONS';
    headers['Access-Control-Allow-Headers'] = ALLOWED_REQUEST_HEADERS;
    headers['Access-Control-Max-Age'] = '600';
    if (req.headers['access-control-request-private-network']) {
      headers['Access-Control-Allow-Private-Network'] = 'true';
    }
  }
  send(res, 204, '', headers);
}
