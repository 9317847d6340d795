// berth's own endpoints (outside the Docker API).
//   GET  /berth/rules             the rules berth owns, as `berth rules` prints them
//   GET  /berth/save              a save file (application/json) of everything berth owns
//   POST /berth/restore?name=F    the bytes of a save file -> what was restored (200)
import { saveRestoreOf } from '../../save/registry.js';
import type { RestoreReport } from '../../save/service.js';
import { json, readTextBody, text, type Route } from '../http.js';

/** A save carries every record and rule berth has; far more than a host holds. */
const MAX_SAVE_BYTES = 256 * 1024 * 1024;

export interface RestoreJson {
  readonly Networks: readonly string[];
  readonly Containers: number;
  readonly Running: readonly string[];
  readonly AccessRules: number;
  readonly DurationMs: number;
}

function restoreJson(r: RestoreReport): RestoreJson {
  return { Networks: r.networks, Containers: r.containers, Running: r.running, AccessRules: r.accessRules, DurationMs: r.durationMs };
}

export const berthRoutes: readonly Route[] = [
  {
    method: 'GET',
    path: '/berth/rules',
    handler: async ({ engine }) => text(200, engine.ownedRules()),
  },
  {
    method: 'GET',
    path: '/berth/save',
    handler: async ({ engine }) => text(200, await saveRestoreOf(engine).save(), 'application/json'),
  },
  {
    method: 'POST',
    path: '/berth/restore',
    handler: async ({ engine, req, query }) => {
      const service = saveRestoreOf(engine);
      const body = await readTextBody(req, MAX_SAVE_BYTES);
      return json(200, restoreJson(await service.restore(body, query.get('name') || 'the restore file')));
    },
  },
];
