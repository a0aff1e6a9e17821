/**
 * Who may use a viewer server. Two cases, decided by the address it binds:
 *
 * - loopback (127.0.0.0/8, ::1, localhost): only this machine can connect, so no token is needed
 *   (unless one is given); what remains is a web page in the user's own browser. A DNS-rebinding
 *   page reaches the port under its own name, so requests must name a loopback host (`Host`).
 * - any other address: anyone on the network, and any page they browse, could connect, so every
 *   HTTP request and WebSocket upgrade must carry the server's access token, as Jupyter does: the
 *   printed address holds it (`/?token=…`); the page answered to it sets an HttpOnly, SameSite=Strict
 *   cookie so that its scripts, styles and later reloads need no token in their URLs; the viewer
 *   puts it in its WebSocket's URL; other clients may send `Authorization: Bearer …`. Tokens are
 *   compared in constant time, as SHA-256 digests of equal length.
 *
 * Either way, a WebSocket opened by a web page must come from a page of this very server (its
 * `Origin` names the host and port the request names): no other site's page may drive `play`.
 *
 * Tokens are at least 32 characters of A–Z a–z 0–9 . _ ~ -, characters that go into a URL and a
 * cookie unchanged; a generated one is 24 random bytes (192 bits) in base64url.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { isIPv4 } from 'node:net';
import { UsageError } from '../core/errors.js';

/** The shortest token accepted: 32 hex digits are 128 bits. */
export const MIN_TOKEN_LENGTH = 32;
const TOKEN_CHARACTERS = /^[A-Za-z0-9._~-]+$/;

/** Whether a host name or address (bracketed IPv6 included) is this machine's loopback interface. */
export function isLoopbackHost(host: string): boolean {
  const name = host.toLowerCase();
  if (name === 'localhost' || name === '::1' || name === '[::1]') return true;
  return isIPv4(name) && name.startsWith('127.');
}

/** A fresh token: 24 random bytes (192 bits), base64url. */
export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

/** A token given by the user, checked: throws a UsageError naming `--token` (without echoing it). */
export function checkedToken(token: string): string {
  if (!TOKEN_CHARACTERS.test(token))
    throw new UsageError('--token: only the characters A-Z a-z 0-9 . _ ~ - may appear (the token travels in URLs and cookies)');
  if (token.length < MIN_TOKEN_LENGTH)
    throw new UsageError(
      `--token: expected at least ${MIN_TOKEN_LENGTH} characters, got ${token.length} (\`openssl rand -hex 16\` makes one)`,
    );
  return token;
}

/** How a request fares against a token: no token offered, only wrong ones, or the right one. */
export type TokenVerdict = 'missing' | 'wrong' | 'ok';

/** The token of one server, kept as its digest, and the ways a request may present it. */
export class AccessToken {
  private readonly digest: Buffer;

  constructor(readonly value: string) {
    this.digest = sha256(value);
  }

  /** Check every token the request offers (Authorization, `?token=`, cookie); `fromQuery` says whether the query's was right. */
  verify(req: IncomingMessage): { verdict: TokenVerdict; fromQuery: boolean } {
    const query = queryToken(req.url ?? '/');
    const others = [bearerToken(req.headers.authorization), cookie(req.headers.cookie, cookieName(req))].filter(
      (t): t is string => t !== null,
    );
    if (query === null && others.length === 0) return { verdict: 'missing', fromQuery: false };
    // Any right one will do: a cookie left by an earlier server on this port must not hide a right query token.
    const fromQuery = query !== null && this.matches(query);
    const ok = fromQuery || others.some((t) => this.matches(t));
    return { verdict: ok ? 'ok' : 'wrong', fromQuery };
  }

  /** The Set-Cookie header value that lets the page's next requests in without the token in their URLs. */
  cookie(req: IncomingMessage): string {
    return `${cookieName(req)}=${this.value}; Path=/; HttpOnly; SameSite=Strict`;
  }

  private matches(candidate: string): boolean {
    return timingSafeEqual(sha256(candidate), this.digest);
  }
}

/**
 * The cookie's name, after the port the browser asked for: cookies ignore ports, so two servers on
 * one host (or two tunnels to them) need two names, and one server restarted on its port reuses its own.
 */
function cookieName(req: IncomingMessage): string {
  const port = /:(\d+)$/.exec(req.headers.host ?? '')?.[1] ?? '80';
  return `robonav-token-${port}`;
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

function bearerToken(header: string | undefined): string | null {
  const match = header === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match ? match[1]! : null;
}

function queryToken(url: string): string | null {
  const q = url.indexOf('?');
  return q < 0 ? null : new URLSearchParams(url.slice(q + 1)).get('token');
}

function cookie(header: string | undefined, name: string): string | null {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}
