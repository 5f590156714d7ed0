import { MINUTE_MS } from '../../shared/time.ts';
import { locale } from '../i18n/index.ts';
import { arrowStep } from '../ui/keys.ts';

export interface KeyActions {
  togglePlay(): void;
  step(ms: number): void;
  live(): void;
  replay(): void;
  newChannel(): void;
  /** False while no channel is selected or a change is in flight: the key then does nothing. */
  ready(): boolean;
}

// Typing must never move what is on air; buttons keep their native Space and Enter.
const TYPING = 'input, select, textarea, [contenteditable=""], [contenteditable="true"]';
const ACTIVATES = 'button, a[href], summary';

/**
 * The map page's keys, so a producer's hands already know them: Space plays or pauses, ←/→ step a
 * minute (Shift: 15) in the reading direction (in Arabic → goes back in time, as on the map page's
 * mirrored chart); plus L for live, R for replay and N for a new channel.
 */
export function bindKeys(actions: KeyActions): void {
  // After a mouse click (detail > 0) focus leaves the button, so the next Space plays or pauses
  // instead of pressing that button again (the map page does the same); keyboard users keep focus.
  document.addEventListener('click', (e) => {
    const button = e.target instanceof Element ? e.target.closest('button') : null;
    if (button && e.detail > 0) button.blur();
  });
  window.addEventListener('keydown', (e) => {
    if (e.altKey || e.ctrlKey || e.metaKey || e.isComposing || e.repeat) return;
    const target = e.target instanceof Element ? e.target : null;
    if (target?.closest(TYPING)) return;
    const key = e.key.length === 1 ? e.key.toLowerCase() : e.key;
    if (key === 'n') {
      actions.newChannel();
      e.preventDefault();
      return;
    }
    if (key === ' ' && target?.closest(ACTIVATES)) return;
    const run: Record<string, () => void> = {
      ' ': () => actions.togglePlay(),
      ArrowLeft: () => actions.step(arrowStep('ArrowLeft', locale().dir === 'rtl') * (e.shiftKey ? 15 : 1) * MINUTE_MS),
      ArrowRight: () => actions.step(arrowStep('ArrowRight', locale().dir === 'rtl') * (e.shiftKey ? 15 : 1) * MINUTE_MS),
      l: () => actions.live(),
      r: () => actions.replay(),
    };
    const action = run[key];
    if (!action) return;
    e.preventDefault();
    if (actions.ready()) action();
  });
}
