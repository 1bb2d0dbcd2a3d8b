/**
 * Exact 0/1 knapsack (LongCodeZip's fine stage picks the blocks of a function with it).
 * @module
 */

/**
 * Largest `n × (capacity + 1)` table the exact dynamic programme fills (about 4 M cells: 4 MB of choice bits as bytes
 * plus two Float64 rows). Above it `knapsack` falls back to greedy by value density (value / weight), which is optimal
 * only when the items fit or the densities are ordered; the fine stage of code compression stays far below this limit.
 */
export const KNAPSACK_EXACT_LIMIT = 4_000_000;

/**
 * Chooses items maximising the total value with total weight ≤ `capacity` (0/1: each item at most once).
 * Items with a value ≤ 0 are never chosen; zero-weight items with a positive value always are.
 * Exact (DP over capacities) when `n × (capacity + 1)` ≤ {@link KNAPSACK_EXACT_LIMIT}; greedy by density above.
 * Ties go to the lower item indices, so the result is deterministic.
 *
 * @returns a 0/1 mask over items
 */
export function knapsack(values: Float64Array, weights: Uint32Array, capacity: number): Uint8Array {
  const n = values.length;
  if (weights.length !== n) throw new RangeError('knapsack: values and weights must have the same length');
  const cap = Math.max(0, Math.floor(capacity));
  const chosen = new Uint8Array(n);
  if (n === 0) return chosen;
  if (n * (cap + 1) > KNAPSACK_EXACT_LIMIT) return greedyKnapsack(values, weights, cap);
  const take = new Uint8Array(n * (cap + 1));
  let prev = new Float64Array(cap + 1);
  let cur = new Float64Array(cap + 1);
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    const w = weights[i]!;
    const row = i * (cap + 1);
    for (let c = 0; c <= cap; c++) {
      let best = prev[c]!;
      if (v > 0 && w <= c) {
        const withItem = prev[c - w]! + v;
        if (withItem > best) {
          best = withItem;
          take[row + c] = 1;
        }
      }
      cur[c] = best;
    }
    const t = prev;
    prev = cur;
    cur = t;
  }
  let c = cap;
  for (let i = n - 1; i >= 0; i--) {
    if (take[i * (cap + 1) + c] === 1) {
      chosen[i] = 1;
      c -= weights[i]!;
    }
  }
  return chosen;
}

function greedyKnapsack(values: Float64Array, weights: Uint32Array, cap: number): Uint8Array {
  const n = values.length;
  const order: number[] = [];
  for (let i = 0; i < n; i++) if (values[i]! > 0) order.push(i);
  const density = (i: number): number => (weights[i] === 0 ? Number.POSITIVE_INFINITY : values[i]! / weights[i]!);
  order.sort((a, b) => density(b) - density(a) || a - b);
  const chosen = new Uint8Array(n);
  let left = cap;
  for (const i of order) {
    if (weights[i]! <= left) {
      chosen[i] = 1;
      left -= weights[i]!;
    }
  }
  return chosen;
}
