import { SIMULATED } from '../strings.ts';

/**
 * The SIMULATED mark every page shows beside simulated data (a live clock a simulator drives, a
 * simulated service or incident); styled by styles/sim-mark.css.
 */
export function simulatedMark(text: string = SIMULATED.label): HTMLElement {
  const mark = document.createElement('span');
  mark.className = 'sim-mark';
  mark.textContent = text;
  mark.title = SIMULATED.hint;
  return mark;
}

/** Marks an existing element (a header slot) as the page's SIMULATED mark, hidden until shown. */
export function asSimulatedMark(element: HTMLElement): void {
  element.classList.add('sim-mark');
  element.title = SIMULATED.hint;
  element.hidden = true;
}

/** Whether a record from the API (an incident, a service) says it is simulated. */
export function isSimulated(item: object): boolean {
  return 'simulated' in item && item.simulated === true;
}
