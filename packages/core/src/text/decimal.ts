/** A plain decimal number: no empty strings, hex, trailing junk, `Infinity` or `NaN` (flags, environment variables, config strings). */
const DECIMAL = /^[+]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/** The finite number a decimal string (surrounding white space allowed) writes, or undefined. */
export function parseDecimal(text: string): number | undefined {
  const trimmed = text.trim();
  if (!DECIMAL.test(trimmed)) return undefined;
  const value = Number(trimmed);
  return Number.isFinite(value) ? value : undefined;
}
