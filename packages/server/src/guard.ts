/**
 * Defences against web pages driving a local service (issue 9 item 7): a page on another site can make the browser
 * POST to `http://127.0.0.1:8787` (a `text/plain` "simple request" needs no CORS preflight), and a DNS-rebinding page
 * (`attacker.example` resolving to 127.0.0.1) is even same-origin with it. Without API keys and with an upstream key
 * configured, either would spend the operator's key. So:
 * - `Host` must name the service: `localhost`, an IP literal (a page served from an IP is that IP's origin, never the
 *   attacker's), the configured `host`, or an `allowedHosts` entry;
 * - a request with an `Origin` header must come from the service's own origin (the playground) or an `allowedOrigins`
 *   entry (which also gets CORS headers and preflights);
 * - JSON routes take only `application/json` bodies (which a cross-site page cannot send without a preflight).
 * @module
 */
import { isIP } from 'node:net';

/** The host name of a `Host` header value (`[::1]:8787` → `[::1]`, `Example.com.:80` → `example.com`), or undefined. */
export function hostName(host: string): string | undefined {
  const match = /^(\[[0-9a-fA-F:.]+\]|[^:[\]]+)(?::(\d{1,5}))?$/.exec(host.trim());
  if (match === null) return undefined;
  return match[1]!.toLowerCase().replace(/\.$/, '');
}

function isIpLiteral(name: string): boolean {
  if (name.startsWith('[') && name.endsWith(']')) return isIP(name.slice(1, -1)) === 6;
  return isIP(name) === 4;
}

/** Does the `Host` header name this service? */
export function hostAllowed(host: string | null, configuredHost: string, allowedHosts: readonly string[]): boolean {
  if (host === null) return false;
  const name = hostName(host);
  if (name === undefined) return false;
  if (name === 'localhost' || isIpLiteral(name)) return true;
  const configured = configuredHost.toLowerCase().replace(/\.$/, '');
  if (name === configured || name === `[${configured}]`) return true;
  return allowedHosts.some(
    (allowed) => allowed === '*' || allowed === name || (allowed.startsWith('.') && (name.endsWith(allowed) || name === allowed.slice(1))),
  );
}

/** Is the `Origin` the service's own (same host and port as the request's `Host`)? */
export function sameOrigin(origin: string, host: string): boolean {
  try {
    const url = new URL(origin);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.host.toLowerCase() === host.trim().toLowerCase();
  } catch {
    return false;
  }
}

/** Is the `Origin` in the allow-list (`*` or the exact `scheme://host[:port]`)? */
export function originListed(origin: string, allowedOrigins: readonly string[]): boolean {
  if (allowedOrigins.includes('*')) return true;
  try {
    const normalised = new URL(origin).origin;
    return normalised !== 'null' && allowedOrigins.includes(normalised);
  } catch {
    return false;
  }
}

/** Is the `content-type` JSON (`application/json`, any case, with or without parameters such as `charset`)? */
export function isJsonContentType(contentType: string | null): boolean {
  if (contentType === null) return false;
  return /^application\/json\s*(?:;|$)/i.test(contentType.trim());
}
