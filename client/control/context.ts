import type { ChannelState, ChannelUpdate } from '../../shared/protocol.ts';

export type SendResult = { ok: true; state: ChannelState } | { ok: false; error: string };

/** What a panel of the console may do: read the selected channel and change it. */
export interface Driver {
  /** The selected channel as the server last answered, or undefined when none is selected. */
  state(): ChannelState | undefined;
  /** One PUT of the changed fields; resolves with the server's answer (never rejects). */
  send(update: ChannelUpdate): Promise<SendResult>;
}

/** Shows `text` in an inline message element, or hides it when `text` is empty. */
export function say(element: HTMLElement, text: string): void {
  element.textContent = text;
  element.hidden = !text;
}

/** Shows a send's refusal next to the control that caused it; true when it went through. */
export function report(element: HTMLElement, result: SendResult): boolean {
  say(element, result.ok ? '' : result.error);
  return result.ok;
}
