import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { CountryStates, Level } from '../../shared/protocol.ts';
import { Announcer, type LevelChange } from '../../client/ui/announcer.ts';

const state = (count: number, level: Level) => ({ count, baseline: 10, level });

function setup(quiet = () => false) {
  const region = { textContent: '' } as HTMLElement;
  const said: Array<{ changes: LevelChange[]; more: number }> = [];
  const announcer = new Announcer(region, {
    say: (changes, more) => {
      said.push({ changes, more });
      return changes.map((c) => `${c.code}:${c.level}:${c.count}`).join(' ') + (more ? ` +${more}` : '');
    },
    intervalMs: 5_000,
    gatherMs: 1_000,
    max: 2,
    quiet,
  });
  return { region, said, announcer };
}

describe('announcer', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('never reads out the starting point, only what changes after it', () => {
    const { region, said, announcer } = setup();
    announcer.reset({ JP: state(2000, 'outage'), US: state(50, 'normal') });
    vi.advanceTimersByTime(10_000);
    expect(said).toHaveLength(0);
    announcer.update({ JP: state(2100, 'outage'), US: state(400, 'elevated') });
    vi.advanceTimersByTime(999);
    expect(region.textContent).toBe('');
    vi.advanceTimersByTime(1);
    expect(region.textContent).toBe('US:elevated:400');
  });

  it('names the most severe changes first, at most max, and counts the rest', () => {
    const { region, announcer } = setup();
    announcer.reset({});
    const states: CountryStates = { GB: state(300, 'elevated'), JP: state(2529, 'outage'), US: state(9000, 'outage'), FR: state(90, 'elevated') };
    announcer.update(states);
    vi.advanceTimersByTime(1_000);
    expect(region.textContent).toBe('US:outage:9000 JP:outage:2529 +2');
  });

  it('waits the interval between two messages and batches what happened meanwhile', () => {
    const { said, announcer } = setup();
    announcer.reset({ JP: state(5, 'normal') });
    announcer.update({ JP: state(500, 'outage') });
    vi.advanceTimersByTime(1_000);
    expect(said).toHaveLength(1);
    announcer.update({ JP: state(500, 'outage'), US: state(400, 'elevated') });
    announcer.update({ JP: state(500, 'outage'), US: state(900, 'outage'), GB: state(300, 'elevated') });
    vi.advanceTimersByTime(4_999);
    expect(said).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(said).toHaveLength(2);
    expect(said[1]!.changes.map((c) => c.code)).toEqual(['US', 'GB']);
  });

  it('drops a country that flips and flips back before the message goes out', () => {
    const { said, announcer } = setup();
    announcer.reset({ JP: state(5, 'normal') });
    announcer.update({ JP: state(500, 'elevated') });
    announcer.update({ JP: state(5, 'normal') });
    vi.advanceTimersByTime(10_000);
    expect(said).toHaveLength(0);
  });

  it('says a country that left the state is back to normal', () => {
    const { said, announcer } = setup();
    announcer.reset({ JP: state(500, 'outage') });
    announcer.update({});
    vi.advanceTimersByTime(1_000);
    expect(said[0]!.changes).toEqual([{ code: 'JP', level: 'normal', count: 0 }]);
  });

  it('stays quiet while the playhead is dragged, and starts over where it stops', () => {
    let dragging = true;
    const { said, announcer } = setup(() => dragging);
    announcer.reset({ JP: state(5, 'normal') });
    announcer.update({ JP: state(500, 'outage') });
    announcer.update({ JP: state(800, 'outage'), US: state(400, 'elevated') });
    vi.advanceTimersByTime(10_000);
    dragging = false;
    announcer.update({ JP: state(800, 'outage'), US: state(400, 'elevated') });
    vi.advanceTimersByTime(10_000);
    expect(said).toHaveLength(0);
  });
});
