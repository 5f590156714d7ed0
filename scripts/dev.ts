/**
 * `npm run dev`: Vite's dev server (hot reload, http://localhost:5173) in front of the API server
 * in watch mode. Vite proxies /api and /socket.io to the API (see vite.config.ts).
 */
import { spawn } from 'node:child_process';

const apiPort = process.env.API_PORT ?? '3001';
const env = { ...process.env, API_PORT: apiPort };
const children = [
  spawn('npx', ['tsx', 'watch', '--clear-screen=false', 'server/index.ts'], {
    stdio: 'inherit',
    env: { ...env, PORT: apiPort, BUILD_CLIENT: '0' },
  }),
  spawn('npx', ['vite'], { stdio: 'inherit', env }),
];

function stop(code: number): void {
  for (const child of children) child.kill('SIGTERM');
  process.exit(code);
}
for (const child of children) child.on('exit', (code) => stop(code ?? 0));
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));
