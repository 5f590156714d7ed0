import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const page = (name: string) => fileURLToPath(new URL(`./client/${name}.html`, import.meta.url));

// The API server's port in `npm run dev` (Vite serves the page with HMR and proxies the rest).
const apiPort = Number(process.env.API_PORT ?? 3001);
const api = `http://127.0.0.1:${apiPort}`;

export default defineConfig({
  root: 'client',
  build: {
    outDir: '../dist/client',
    emptyOutDir: true,
    chunkSizeWarningLimit: 1500,
    rollupOptions: {
      // One page per use: the interactive map, the kiosk screen, the embed, the producer's control.
      input: {
        main: page('index'),
        screen: page('screen'),
        embed: page('embed'),
        control: page('control'),
      },
    },
  },
  server: {
    proxy: {
      '/api': api,
      '/healthz': api,
      '/metrics': api,
      '/socket.io': { target: api, ws: true },
    },
  },
  test: {
    root: '.',
    include: ['tests/**/*.test.ts'],
    // A throwaway PostgreSQL for the store contract tests (or TEST_DATABASE_URL's), and a
    // throwaway Redis for the multi-node tests (or TEST_REDIS_URL's).
    globalSetup: ['tests/setup/postgres.ts', 'tests/setup/redis.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // Browser tests share two cores with the servers they start; one file at a time keeps timings sane.
    fileParallelism: false,
  },
});
