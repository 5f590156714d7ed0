import { parse as parseCookies } from 'cookie';
import express, { Router, type Request, type RequestHandler } from 'express';
import { channelName, channelUpdate } from '../shared/schemas.ts';
import type { Channels } from './playheads/channels.ts';
import { sameSecret } from './auth.ts';
import type { Config } from './config.ts';
import { HttpError, noQuery, parseOr400 } from './errors.ts';

export const CONTROL_COOKIE = 'om_control';

/** The control token a request carries: `Authorization: Bearer`, or the control page's cookie. */
export function controlTokenOf(req: Request): string | undefined {
  const bearer = /^Bearer\s+(.+)$/i.exec(req.get('authorization') ?? '')?.[1]?.trim();
  return bearer ?? parseCookies(req.get('cookie') ?? '')[CONTROL_COOKIE];
}

/** Whether `given` is the control token (never true while none is set). */
export function isControlToken(given: string | undefined, token: string | undefined): boolean {
  return token !== undefined && given !== undefined && sameSecret(given, token);
}

export function isProducer(req: Request, token: string | undefined): boolean {
  return isControlToken(controlTokenOf(req), token);
}

/** Producers only: refused (401) without the right token, and always refused while none is set. */
export function requireControl(token: string | undefined): RequestHandler {
  return (req, _res, next) => {
    if (token === undefined) return next(new HttpError(401, 'control is disabled: set CONTROL_TOKEN on the server'));
    if (!controlTokenOf(req)) return next(new HttpError(401, 'control needs Authorization: Bearer <CONTROL_TOKEN>'));
    if (!isProducer(req, token)) return next(new HttpError(401, 'control: wrong token'));
    next();
  };
}

/** `GET /api/channels[/:name]` for anyone; `PUT` and `DELETE` for producers. */
export function channelRoutes(config: Config, channels: Channels): Router {
  const router = Router();
  const producer = requireControl(config.controlToken);

  router.get('/api/channels', noQuery, (_req, res) => {
    res.json({ ok: true, data: channels.list() });
  });

  router.get('/api/channels/:name', noQuery, (req, res) => {
    const name = parseOr400(channelName, req.params.name, 'path: name');
    const state = channels.get(name);
    if (!state) throw new HttpError(404, `no channel "${name}"`);
    res.json({ ok: true, data: state });
  });

  router.put('/api/channels/:name', noQuery, producer, express.json({ limit: '8kb' }), async (req, res) => {
    const name = parseOr400(channelName, req.params.name, 'path: name');
    if (req.body === undefined) throw new HttpError(415, 'content-type: expected application/json');
    const change = parseOr400(channelUpdate, req.body, 'channel');
    res.json({ ok: true, data: await channels.update(name, change) });
  });

  router.delete('/api/channels/:name', noQuery, producer, async (req, res) => {
    const name = parseOr400(channelName, req.params.name, 'path: name');
    if (!(await channels.remove(name))) throw new HttpError(404, `no channel "${name}"`);
    res.json({ ok: true, data: { removed: name } });
  });

  return router;
}
