import type { en } from './en.ts';

/** A message that depends on a count: one text per CLDR plural category the locale uses. */
export type Plural = Partial<Record<'zero' | 'one' | 'two' | 'few' | 'many', string>> & { other: string };

/** The shape of a catalogue: en.ts's keys, with any text in place of the English. */
export type Shape<T> = {
  readonly [K in keyof T]: T[K] extends string ? string : T[K] extends { other: string } ? Plural : Shape<T[K]>;
};

export type Messages = Shape<typeof en>;

type Join<K extends string, P extends string> = `${K}.${P}`;

/** Dot paths to every message (a plural counts as one message): `t('main.noReports', …)`. */
export type Paths<T> = {
  [K in keyof T & string]: T[K] extends string ? K : T[K] extends { other: string } ? K : Join<K, Paths<T[K]>>;
}[keyof T & string];

export type MessageKey = Paths<typeof en>;
