/**
 * Validation of every inbound payload (HTTP bodies, queries, socket events), one schema each.
 * Error messages name the field and the problem; they are sent to clients as they are.
 */
import { z } from 'zod';
import { isCountryCode } from './countries.ts';
import { LANGUAGES, supportedLocale } from './locale.ts';
import { MODES, PROBLEMS, PROTOCOL_VERSION, THEMES } from './protocol.ts';
import { serviceOfKey } from './simulation.ts';
import { isTimeZone } from './time.ts';

const SERVICE_ID = /^[a-z0-9][a-z0-9-]{0,39}$/;

/** Exact: lower-case as stored; nothing is trimmed or folded, so one name is one service. */
export const serviceId = z
  .string({ error: 'must be a string' })
  .regex(SERVICE_ID, 'must be 1-40 lower-case letters, digits or dashes, e.g. "twitter"');

/**
 * What the read endpoints accept: a service id, or its simulation key (`twitter~sim`), a kept
 * simulation run. Writes take `serviceId` only, so no one can send rows under a simulation key.
 */
export const storeKey = z
  .string({ error: 'must be a string' })
  .max(80, 'must be at most 80 characters')
  .refine((key) => SERVICE_ID.test(serviceOfKey(key)), { error: 'must be 1-40 letters, digits or dashes, e.g. "twitter", or a simulation run such as "twitter~sim"' });

/** Exactly two upper-case letters of an assigned code: `"us "` or `"us"` is refused, never folded. */
export const countryCode = z
  .string({ error: 'must be a string' })
  .refine((code) => /^[A-Z]{2}$/.test(code) && isCountryCode(code), {
    error: (issue) => `${JSON.stringify(String(issue.input).slice(0, 20))} is not an ISO 3166-1 alpha-2 country code (two upper-case letters, e.g. "US")`,
  });

// Before 2000 is certainly a unit mistake (seconds for milliseconds); the future allows clock skew.
const EARLIEST = Date.UTC(2000, 0, 1);
const MAX_SKEW_MS = 5 * 60_000;

/** Epoch ms, or an ISO 8601 UTC string, to epoch ms; rejects the implausible. */
export const instant = z
  .union([z.number({ error: 'must be epoch milliseconds or an ISO 8601 UTC string' }), z.iso.datetime({ offset: true, error: 'must be an ISO 8601 UTC time such as 2022-12-29T00:45:00Z' })])
  .transform((v) => (typeof v === 'number' ? v : Date.parse(v)))
  .refine((t) => Number.isFinite(t) && t >= EARLIEST, { error: 'must be after 2000-01-01 (epoch milliseconds, not seconds)' })
  .refine((t) => t <= Date.now() + MAX_SKEW_MS, { error: 'is in the future' });

/** What a report says is broken: one of `PROBLEMS`. */
export const problemType = z.enum(PROBLEMS, { error: `must be one of ${PROBLEMS.join(', ')}` });

export const reportBody = z.strictObject(
  {
    service: serviceId,
    country: countryCode.optional(),
    problem: problemType.optional(),
  },
  { error: (issue) => (issue.code === 'unrecognized_keys' ? `unknown field(s): ${issue.keys.join(', ')}` : 'body must be a JSON object') },
);

/** Largest count one row may carry: far above any real minute, low enough to catch a garbled feed. */
export const MAX_ROW_COUNT = 10_000_000;

export const ingestRow = z.strictObject(
  {
    service: serviceId,
    country: countryCode,
    at: instant,
    count: z
      .number({ error: 'must be a number' })
      .int('must be a whole number')
      .min(0, 'must not be negative')
      .max(MAX_ROW_COUNT, `must be at most ${MAX_ROW_COUNT}`),
    // The part of the minute's count that named this problem; an empty CSV cell is none.
    problem: z.preprocess((v) => (v === '' || v === null ? undefined : v), problemType.optional()),
  },
  { error: (issue) => (issue.code === 'unrecognized_keys' ? `unknown field(s): ${issue.keys.join(', ')}` : 'row must be an object {service, country, at, count, problem?}') },
);
export type ParsedIngestRow = z.output<typeof ingestRow>;

/** `watch {protocol, service}` (live) or `{protocol, service, t, speed?, playing?}` (a private replay). */
export const watchServiceRequest = z.strictObject(
  {
    protocol: z.literal(PROTOCOL_VERSION, { error: `must be ${PROTOCOL_VERSION}` }),
    // A kept simulation run (`twitter~sim`) can be replayed like a service.
    service: storeKey,
    t: instant.optional(),
    speed: z.number({ error: 'must be a number' }).positive('must be positive').max(3600, 'must be at most 3600').default(1),
    playing: z.boolean({ error: 'must be true or false' }).default(true),
  },
  { error: (issue) => (issue.code === 'unrecognized_keys' ? `unknown field(s): ${issue.keys.join(', ')}` : 'must be {protocol, service} or {protocol, service, t, speed, playing}') },
);

/** `watch {protocol, channel}`: a named channel. */
export const watchChannelRequest = z.strictObject(
  {
    protocol: z.literal(PROTOCOL_VERSION, { error: `must be ${PROTOCOL_VERSION}` }),
    channel: channelNameSchema(),
  },
  { error: (issue) => (issue.code === 'unrecognized_keys' ? `unknown field(s): ${issue.keys.join(', ')}` : 'must be {protocol, channel}') },
);

export const simulationBody = z.strictObject({
  t: z.number({ error: 'must be the data time in epoch milliseconds' }).finite(),
  speed: z.number({ error: 'must be a number' }).positive('must be positive').max(100_000, 'must be at most 100000'),
  ttlMs: z.number().int().min(1_000).max(600_000).default(15_000),
});

/** `DELETE /api/simulation/:service?keep=1`: keep the run's rows for replay. */
export const simulationEndQuery = z.object({
  keep: z.enum(['1', 'true', '0', 'false'], { error: 'must be 1 or 0' }).optional().transform((v) => v === '1' || v === 'true'),
});

/**
 * One readable line per problem: `rows[3].country: "XX" is not an ISO 3166-1 alpha-2 country code`,
 * or with a root such as `line 4`, `line 4: country: ...`.
 */
export function describeIssues(error: z.ZodError, root = ''): string[] {
  return error.issues.map((issue) => {
    const field = issue.path.reduce<string>(
      (acc, key) => (typeof key === 'number' ? `${acc}[${key}]` : acc ? `${acc}.${String(key)}` : String(key)),
      root.includes(' ') ? '' : root,
    );
    const where = root.includes(' ') ? [root, field].filter(Boolean).join(': ') : field;
    return where ? `${where}: ${issue.message}` : issue.message;
  });
}

function channelNameSchema() {
  return z
    .string({ error: 'must be a string' })
    .regex(/^[A-Za-z0-9][A-Za-z0-9-]{0,63}$/, 'must be 1-64 letters, digits or dashes, e.g. "wall-1"');
}

export const channelName = channelNameSchema();

const longitude = z.number().min(-360).max(360);
const latitude = z.number().min(-85).max(85);

export const channelUpdate = z.strictObject(
  {
    service: serviceId.optional(),
    mode: z.enum(MODES, { error: `must be one of ${MODES.join(', ')}` }).optional(),
    t: instant.optional(),
    speed: z.number({ error: 'must be a number' }).positive('must be positive').max(3600, 'must be at most 3600').optional(),
    playing: z.boolean({ error: 'must be true or false' }).optional(),
    peak: z.string({ error: 'must be an incident id' }).min(1).max(120).optional(),
    camera: z
      .discriminatedUnion('mode', [
        z.strictObject({ mode: z.literal('auto') }),
        z.strictObject({ mode: z.literal('fixed'), bounds: z.tuple([longitude, latitude, longitude, latitude], { error: 'must be [west, south, east, north]' }) }),
      ], { error: 'must be {mode: "auto"} or {mode: "fixed", bounds: [west, south, east, north]}' })
      .optional(),
    theme: z.enum(THEMES, { error: `must be one of ${THEMES.join(', ')}` }).optional(),
    headline: z.string({ error: 'must be a string' }).trim().max(120, 'must be at most 120 characters').optional(),
    timeZone: z.string({ error: 'must be an IANA zone' }).refine(isTimeZone, { error: (i) => `"${String(i.input)}" is not an IANA time zone such as Europe/London` }).optional(),
    // Stored canonical ("en-gb" → "en-GB"); null clears it, so each screen goes back to its own choice.
    locale: z
      .string({ error: 'must be a language tag such as "ar", "fr" or "en-GB", or null' })
      .max(35, 'must be at most 35 characters')
      .transform((tag, ctx) => {
        const found = supportedLocale(tag);
        if (!found) ctx.addIssue({ code: 'custom', message: `${JSON.stringify(tag)} is not a supported language tag: ${LANGUAGES.join(', ')}, with a region if wanted (e.g. "en-GB")` });
        return found?.tag ?? tag;
      })
      .nullable()
      .optional(),
    problems: z.boolean({ error: 'must be true or false' }).optional(),
  },
  { error: (issue) => (issue.code === 'unrecognized_keys' ? `unknown field(s): ${issue.keys.join(', ')}` : 'body must be a JSON object of the fields to change') },
);
export type ParsedChannelUpdate = z.output<typeof channelUpdate>;
