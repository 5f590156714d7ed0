/**
 * Rolling sums over a dense per-minute series.
 *
 * `series[i]` is the count of minute `first + i`; the result's entry `k` is the sum of the
 * `length` minutes ending at minute `first + k` (minutes before `first` count as zero).
 */
export function rollingSums(series: ArrayLike<number>, length: number): number[] {
  if (!Number.isInteger(length) || length < 1) throw new RangeError(`window length must be a positive integer, got ${length}`);
  const sums = new Array<number>(series.length);
  let running = 0;
  for (let i = 0; i < series.length; i++) {
    running += series[i]!;
    if (i >= length) running -= series[i - length]!;
    sums[i] = running;
  }
  return sums;
}

/** Sum of the counts whose minute lies in `[from, to]`. */
export function windowSum(buckets: ReadonlyMap<number, number>, from: number, to: number): number {
  let sum = 0;
  if (to - from + 1 <= buckets.size) {
    for (let m = from; m <= to; m++) sum += buckets.get(m) ?? 0;
  } else {
    for (const [m, n] of buckets) if (m >= from && m <= to) sum += n;
  }
  return sum;
}
