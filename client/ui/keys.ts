import { MINUTE_MS } from '../../shared/time.ts';
import type { Playback } from '../replay.ts';

export interface KeyHooks {
  /** Where Home goes: the start of the timeline in view. */
  start(): number | undefined;
  /** The end of the timeline in view: where End goes on the timeline itself. */
  end(): number | undefined;
  /** The timeline's slider: its own End, Page and Up/Down keys act on the range in view. */
  slider(): HTMLElement;
  /** True when the chart draws time from right to left, so ← moves forward in time. */
  mirrored(): boolean;
  /** The server's now. */
  now(): number;
}

// Typing in a field must never move the playhead; buttons, links and summaries keep their native
// space and Enter (they act on themselves), but the arrows and Home/End still drive the replay.
const TYPING = 'input, select, textarea, [contenteditable=""], [contenteditable="true"]';
const ACTIVATES = 'button, a[href], summary';
// The map's canvas has MapLibre's own keys (arrows pan, + and - zoom) while it has focus.
const MAP = '.maplibregl-canvas';
const BIG_STEP = 15;

/** -1, 1 or 0: which way in time an arrow key moves, following the chart's drawing direction. */
export function arrowStep(key: string, mirrored: boolean): number {
  if (key === 'ArrowLeft') return mirrored ? 1 : -1;
  if (key === 'ArrowRight') return mirrored ? -1 : 1;
  return 0;
}

/**
 * Space plays or pauses, ←/→ step a minute (Shift: 15), Home goes to the start of the range, End to
 * live. On the timeline's slider ↑/↓ also step, Page Up/Down step 15 minutes and End goes to the
 * end of the range in view (a slider's keys, WAI-ARIA APG). On the map the arrows pan instead.
 * Listening in the capture phase keeps MapLibre from also panning with ← and → elsewhere.
 */
export function bindKeys(playback: Playback, hooks: KeyHooks): void {
  window.addEventListener(
    'keydown',
    (e) => {
      if (e.altKey || e.ctrlKey || e.metaKey || e.isComposing) return;
      const target = e.target instanceof Element ? e.target : null;
      if (target?.closest(TYPING)) return;
      const onSlider = !!target && hooks.slider().contains(target);
      const onMap = !!target?.closest(MAP);
      const step = (minutes: number) => playback.step((e.shiftKey ? BIG_STEP : 1) * minutes * MINUTE_MS);
      let handled = true;
      switch (e.key) {
        case ' ':
          if (target?.closest(ACTIVATES)) return;
          if (!e.repeat) playback.toggle();
          break;
        case 'ArrowLeft':
        case 'ArrowRight':
          if (onMap) return;
          step(arrowStep(e.key, hooks.mirrored()));
          break;
        case 'ArrowUp':
        case 'ArrowDown':
          if (!onSlider) return;
          step(e.key === 'ArrowUp' ? 1 : -1);
          break;
        case 'PageUp':
        case 'PageDown':
          if (!onSlider) return;
          playback.step((e.key === 'PageUp' ? BIG_STEP : -BIG_STEP) * MINUTE_MS);
          break;
        case 'Home': {
          const start = hooks.start();
          if (start !== undefined) playback.seek(start);
          break;
        }
        case 'End': {
          const end = onSlider ? hooks.end() : undefined;
          // The end of a range that reaches the present is live.
          if (end === undefined || end >= hooks.now() - MINUTE_MS) playback.live();
          else playback.seek(end);
          break;
        }
        default:
          handled = false;
      }
      if (handled) {
        e.preventDefault();
        e.stopPropagation();
      }
    },
    { capture: true },
  );
}
