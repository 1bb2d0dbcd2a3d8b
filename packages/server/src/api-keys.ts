/**
 * API keys of the service (and of `ctxpress mcp --http`): the caller sends `authorization: Bearer K` or `x-api-key: K`;
 * keys are compared as SHA-256 digests in constant time.
 * @module
 */
import { createHash, timingSafeEqual } from 'node:crypto';

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** The API key the caller sent: `authorization: Bearer K` or `x-api-key: K`. */
function callerKey(headers: Headers): string | undefined {
  const authorization = headers.get('authorization');
  const match = authorization === null ? null : /^Bearer\s+(.+)$/i.exec(authorization.trim());
  if (match) return match[1]!.trim();
  return headers.get('x-api-key')?.trim() || undefined;
}

export interface ApiKeyCheck {
  /** True when keys are configured (callers must send one). */
  readonly required: boolean;
  /** True when no key is configured or the request carries one of them. */
  allows(headers: Headers): boolean;
}

/** A checker for the configured `keys` (none: every request is allowed). */
export function apiKeyCheck(keys: readonly string[]): ApiKeyCheck {
  const expected = keys.map(digest);
  return {
    required: expected.length > 0,
    allows(headers) {
      if (expected.length === 0) return true;
      const key = callerKey(headers);
      if (key === undefined) return false;
      const given = digest(key);
      return expected.some((candidate) => timingSafeEqual(candidate, given));
    },
  };
}
