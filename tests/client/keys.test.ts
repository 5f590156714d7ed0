import { describe, expect, it } from 'vitest';
import { arrowStep } from '../../client/ui/keys.ts';

describe('arrow keys on the timeline', () => {
  it('step back with ← and forward with → when time runs left to right', () => {
    expect(arrowStep('ArrowLeft', false)).toBe(-1);
    expect(arrowStep('ArrowRight', false)).toBe(1);
  });

  it('follow the chart when it runs right to left (Arabic): → steps back', () => {
    expect(arrowStep('ArrowLeft', true)).toBe(1);
    expect(arrowStep('ArrowRight', true)).toBe(-1);
  });

  it('leave other keys alone', () => {
    expect(arrowStep('ArrowUp', false)).toBe(0);
  });
});
