import { MINUTE_MS } from '../../shared/time.ts';
import type { Playback } from '../replay.ts';

export interface KeyHooks {
  /** Where Home goes: the start of the timeline in view. */
  start(): number | undefined;
}

// Typing in a field must never move the playhead; buttons, links and summaries keep their native
// space and Enter (they act on themselves), but the arrows and Home/End still drive the replay.
const TYPING = 'input, select, textarea, [contenteditable=""], [contenteditable="true"]';
const ACTIVATES = 'button, a[href], summary';

/**
 * Space plays or pauses, ←/→ step a minute (Shift: 15), Home goes to the start of the range, End to
 * live. Listening in the capture phase keeps MapLibre's own arrow-key panning from also running
 * when the map has focus.
 */
export function bindKeys(playback: Playback, hooks: KeyHooks): void {
  window.addEventListener(
    'keydown',
    (e) => {
      if (e.altKey || e.ctrlKey || e.metaKey || e.isComposing) return;
      const target = e.target instanceof Element ? e.target : null;
      if (target?.closest(TYPING)) return;
      let handled = true;
      switch (e.key) {
        case ' ':
          if (target?.closest(ACTIVATES)) return;
          if (!e.repeat) playback.toggle();
          break;
        case 'ArrowLeft':
          playback.step(-(e.shiftKey ? 15 : 1) * MINUTE_MS);
          break;
        case 'ArrowRight':
          playback.step((e.shiftKey ? 15 : 1) * MINUTE_MS);
          break;
        case 'Home': {
          const start = hooks.start();
          if (start !== undefined) playback.seek(start);
          break;
        }
        case 'End':
          playback.live();
          break;
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
