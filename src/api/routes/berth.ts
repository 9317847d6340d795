// berth's own endpoints (outside the Docker API).
import { text, type Route } from '../http.js';

export const berthRoutes: readonly Route[] = [
  {
    method: 'GET',
    path: '/berth/rules',
    handler: async ({ engine }) => text(200, engine.ownedRules()),
  },
];
