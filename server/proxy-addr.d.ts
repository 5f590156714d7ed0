// proxy-addr ships no types; Express depends on it and resolves `req.ip` with it (write-path.ts does the same).
declare module 'proxy-addr' {
  import type { IncomingMessage } from 'node:http';
  export default function proxyaddr(req: IncomingMessage, trust: (address: string, hop: number) => boolean): string;
}
