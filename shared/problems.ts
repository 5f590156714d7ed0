/**
 * What people report as broken (`website`, `app`, ...): counts per problem type and the shares
 * the map, the data view and screens show. Pure functions, shared by server and client.
 *
 * A report may name no problem: it counts in its country's total but in no breakdown, so shares
 * are of the reports that named one (Downdetector's breakdown is read the same way).
 */
import { PROBLEMS, type Problem } from './protocol.ts';

/**
 * Said in the note of the bundled Twitter reconstruction (shared/scenarios.ts); pages find it in
 * the note and say it in their language. Here, not there, so pages need not load the scenarios.
 */
export const TWITTER_PROBLEMS_NOTE = "Problem types: Downdetector's US split (website 82%, app 10%, server connection 8%); the split for other countries is assumed to be the same";

/** Reports per problem type; a type nobody named is left out. */
export type ProblemCounts = Partial<Record<Problem, number>>;

/**
 * Whole percents per problem type that add up to 100 (largest remainder), zeros left out;
 * `{}` when no report named a problem.
 */
export type ProblemShares = Partial<Record<Problem, number>>;

/** Type guard for a string from outside (a stored row, a CSV cell). */
export function isProblem(value: unknown): value is Problem {
  return typeof value === 'string' && (PROBLEMS as readonly string[]).includes(value);
}

/** Adds `count` reports of `problem` to `counts` in place. */
export function addProblem(counts: ProblemCounts, problem: Problem, count: number): void {
  if (count !== 0) counts[problem] = (counts[problem] ?? 0) + count;
}

/** Sums several breakdowns (countries into their service). */
export function sumProblems(all: Iterable<ProblemCounts>): ProblemCounts {
  const out: ProblemCounts = {};
  for (const counts of all) for (const p of PROBLEMS) addProblem(out, p, counts[p] ?? 0);
  return out;
}

/**
 * Whole-percent shares adding up to exactly 100 (Hamilton's largest remainder, ties in
 * `PROBLEMS` order), so a breakdown never reads 99% or 101%. Shares, not counts, go on the
 * wire: they stay put while counts climb, so a frame carries a breakdown only when it moved.
 */
export function sharesOf(counts: ProblemCounts): ProblemShares {
  let total = 0;
  for (const p of PROBLEMS) total += Math.max(0, counts[p] ?? 0);
  if (total <= 0) return {};
  const parts = PROBLEMS.map((p, i) => {
    const exact = (Math.max(0, counts[p] ?? 0) * 100) / total;
    return { p, i, floor: Math.floor(exact), rest: exact - Math.floor(exact) };
  });
  let left = 100 - parts.reduce((n, x) => n + x.floor, 0);
  for (const x of [...parts].sort((a, b) => b.rest - a.rest || a.i - b.i)) {
    if (left <= 0) break;
    if (x.rest > 0) {
      x.floor++;
      left--;
    }
  }
  const shares: ProblemShares = {};
  for (const x of parts) if (x.floor > 0) shares[x.p] = x.floor;
  return shares;
}

/** Whether two breakdowns are the same (absent and `{}` are both "none"). */
export function sameShares(a: ProblemShares | undefined, b: ProblemShares | undefined): boolean {
  for (const p of PROBLEMS) if ((a?.[p] ?? 0) !== (b?.[p] ?? 0)) return false;
  return true;
}

/** Whether a breakdown holds any share. */
export function hasShares(shares: ProblemShares | undefined): shares is ProblemShares {
  return !!shares && PROBLEMS.some((p) => (shares[p] ?? 0) > 0);
}

/** The problem types of a breakdown, largest share first (ties in `PROBLEMS` order). */
export function rankedShares(shares: ProblemShares | undefined): Array<[Problem, number]> {
  return PROBLEMS.flatMap((p) => ((shares?.[p] ?? 0) > 0 ? [[p, shares![p]!] as [Problem, number]] : [])).sort((a, b) => b[1] - a[1]);
}
