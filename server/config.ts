/**
 * The one reader of process.env and the command line. Order: flag, environment, default.
 * Every setting here is listed in the README with its default.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { DEFAULT_HEAT_MAX } from '../shared/heat.ts';
import { DEFAULT_BASELINE_FLOOR } from '../shared/levels.ts';
import { serviceId } from '../shared/schemas.ts';

export const DEFAULT_SERVICES = ['twitter', 'facebook', 'instagram', 'whatsapp', 'youtube', 'discord', 'rogers'];

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const flag = z
  .enum(['1', '0', 'true', 'false', 'yes', 'no', ''])
  .transform((v) => v === '1' || v === 'true' || v === 'yes');

const schema = z.object({
  port: int(0, 65535).default(3000),
  host: z.string().min(1).default('0.0.0.0'),
  dataDir: z.string().min(1).default('./data'),
  databaseUrl: z.url({ protocol: /^postgres(ql)?$/, error: 'must be a postgres:// URL' }).optional(),
  durability: z.enum(['fsync', 'process'], { error: 'must be fsync (a commit survives a power loss) or process (it survives the process being killed)' }).default('fsync'),
  redisUrl: z.url({ protocol: /^rediss?$/, error: 'must be a redis:// URL' }).optional(),
  ingestToken: z.string().min(16, 'must be at least 16 characters').optional(),
  controlToken: z.string().min(16, 'must be at least 16 characters').optional(),
  embedOrigins: z
    .string()
    .default('')
    .transform((s) => s.split(/[\s,]+/).filter(Boolean))
    .pipe(z.array(z.url({ protocol: /^https?$/, error: 'must be origins such as https://news.example' }).transform((u) => new URL(u).origin))),
  windowMinutes: int(1, 24 * 60).default(15),
  frameMs: int(10, 60_000).default(100),
  services: z
    .string()
    .default(DEFAULT_SERVICES.join(','))
    .transform((s) => s.split(',').map((x) => x.trim().toLowerCase()).filter(Boolean))
    .pipe(z.array(serviceId).min(1, 'must list at least one service')),
  countryHeader: z.string().trim().toLowerCase().optional(),
  trustProxy: z.string().default('false'),
  dedupeMinutes: int(1, 24 * 60).optional(),
  reportsPerNetwork: int(1, 1_000_000).default(50),
  reportsCountedPerNetwork: int(1, 1_000_000).default(3),
  ingestMaxBytes: int(1024, 64 * 1024 * 1024).default(1024 * 1024),
  ingestMaxRows: int(1, 1_000_000).default(10_000),
  shutdownMs: int(100, 600_000).default(10_000),
  requestTimeoutMs: int(1_000, 3_600_000).default(30_000),
  socketOrigins: z
    .string()
    .default('')
    .transform((s) => s.split(/[\s,]+/).filter(Boolean))
    .pipe(z.array(z.url({ protocol: /^https?$/, error: 'must be origins such as https://news.example' }).transform((u) => new URL(u).origin))),
  baselineFloor: z.coerce.number().positive().default(DEFAULT_BASELINE_FLOOR),
  heatMax: int(10, 100_000_000).default(DEFAULT_HEAT_MAX),
  baselineWeeks: int(1, 52).default(6),
  bundledReplays: flag.default(true),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  buildClient: flag.default(true),
});

export type Config = Readonly<Omit<z.output<typeof schema>, 'dedupeMinutes'> & { dedupeMinutes: number }>;

const ENV: Record<keyof z.input<typeof schema>, string> = {
  port: 'PORT',
  host: 'HOST',
  dataDir: 'DATA_DIR',
  databaseUrl: 'DATABASE_URL',
  durability: 'DURABILITY',
  redisUrl: 'REDIS_URL',
  ingestToken: 'INGEST_TOKEN',
  controlToken: 'CONTROL_TOKEN',
  embedOrigins: 'EMBED_ORIGINS',
  windowMinutes: 'WINDOW_MINUTES',
  frameMs: 'FRAME_MS',
  services: 'SERVICES',
  countryHeader: 'COUNTRY_HEADER',
  trustProxy: 'TRUST_PROXY',
  dedupeMinutes: 'DEDUPE_MINUTES',
  reportsPerNetwork: 'REPORTS_PER_NETWORK',
  reportsCountedPerNetwork: 'REPORTS_COUNTED_PER_NETWORK',
  ingestMaxBytes: 'INGEST_MAX_BYTES',
  ingestMaxRows: 'INGEST_MAX_ROWS',
  shutdownMs: 'SHUTDOWN_MS',
  requestTimeoutMs: 'REQUEST_TIMEOUT_MS',
  socketOrigins: 'SOCKET_ORIGINS',
  baselineFloor: 'BASELINE_FLOOR',
  heatMax: 'HEAT_MAX',
  baselineWeeks: 'BASELINE_WEEKS',
  bundledReplays: 'BUNDLED_REPLAYS',
  logLevel: 'LOG_LEVEL',
  buildClient: 'BUILD_CLIENT',
};

export class ConfigError extends Error {}

/**
 * Resolves the configuration from flags (`--port 3000`, `--data-dir x`...), then the environment,
 * then defaults, and freezes it. `overrides` (tests) win over both.
 */
export function loadConfig(
  argv: readonly string[] = process.argv.slice(2),
  env: NodeJS.ProcessEnv = process.env,
  overrides: Partial<z.input<typeof schema>> = {},
): Config {
  const options = Object.fromEntries(
    Object.keys(ENV).map((key) => [kebab(key), { type: 'string' as const }]),
  );
  let flags: Record<string, string | boolean | undefined>;
  try {
    flags = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw new ConfigError(`${(error as Error).message} (settings: ${Object.keys(ENV).map((k) => `--${kebab(k)}`).join(' ')})`);
  }
  const c = parseSettings(schema, { ...readSettings(flags, env), ...overrides });
  return Object.freeze({
    ...c,
    dataDir: path.resolve(c.dataDir),
    services: Object.freeze([...new Set(c.services)]) as string[],
    embedOrigins: Object.freeze(c.embedOrigins) as string[],
    socketOrigins: Object.freeze(c.socketOrigins) as string[],
    dedupeMinutes: c.dedupeMinutes ?? c.windowMinutes,
  });
}

/**
 * Where the server listens, read as the server reads it (`--port`/`--host`, then `PORT`/`HOST`,
 * then the defaults), for a tool that talks to it and takes these two flags among its own (the
 * simulator), so it finds a server on another port with no extra setting.
 */
export function loadAddress(flags: { port?: string; host?: string }, env: NodeJS.ProcessEnv = process.env): Pick<Config, 'port' | 'host'> {
  const { port, host } = readSettings(flags, env);
  return Object.freeze(parseSettings(schema.pick({ port: true, host: true }), { port, host }));
}

/** Each setting's flag, else its environment variable; an empty value is unset. */
function readSettings(flags: Record<string, string | boolean | undefined>, env: NodeJS.ProcessEnv): Record<string, unknown> {
  const raw: Record<string, unknown> = {};
  for (const [key, name] of Object.entries(ENV)) {
    const value = flags[kebab(key)] ?? env[name];
    if (value !== undefined && value !== '') raw[key] = value;
  }
  return raw;
}

/** Parses settings or throws a ConfigError naming each bad one by its variable and flag. */
function parseSettings<S extends z.ZodType>(settings: S, raw: Record<string, unknown>): z.output<S> {
  const parsed = settings.safeParse(raw);
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map((i) => {
    const key = String(i.path[0]) as keyof typeof ENV;
    return `${ENV[key] ?? key} (--${kebab(key)}): ${i.message}`;
  });
  throw new ConfigError(`invalid settings:\n  ${lines.join('\n  ')}`);
}

function kebab(key: string): string {
  return key.replace(/[A-Z]/g, (m) => `-${m.toLowerCase()}`);
}
