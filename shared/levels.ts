import type { Level } from './protocol.ts';

/**
 * Ratio-to-baseline thresholds. A level is entered at `enter` and left only below `exit`, so a
 * count hovering at a threshold does not make the level flicker. Downdetector does not publish
 * its multipliers; these follow its three states (none, possible problems, problems detected).
 */
export const LEVEL_RULE = {
  elevated: { enter: 2, exit: 1.5 },
  outage: { enter: 5, exit: 3.5 },
} as const;

/** Expected reports per window used while a service has too little history for a baseline. */
export const DEFAULT_BASELINE_FLOOR = 10;

/** The level after `prev`, given the window count and its baseline (hysteresis applied). */
export function nextLevel(prev: Level, count: number, baseline: number): Level {
  const ratio = count / Math.max(baseline, 1);
  if (ratio >= LEVEL_RULE.outage.enter) return 'outage';
  if (prev === 'outage' && ratio >= LEVEL_RULE.outage.exit) return 'outage';
  if (ratio >= LEVEL_RULE.elevated.enter) return 'elevated';
  if (prev !== 'normal' && ratio >= LEVEL_RULE.elevated.exit) return 'elevated';
  return 'normal';
}

/** Folds `nextLevel` over a sequence of (count, baseline) steps, starting from `normal`. */
export function levelAfter(counts: ArrayLike<number>, baselines: ArrayLike<number>): Level {
  let level: Level = 'normal';
  for (let i = 0; i < counts.length; i++) level = nextLevel(level, counts[i]!, baselines[i]!);
  return level;
}
